"""Articles to index: cleaning, chunking, embedding, and the Chroma chunk store with its BM25 keyword index.

This layer knows nothing of settings or language models; `rag` drives it.
"""

from index.articles import Article, find_article_files, load_article, load_articles, scan_paths
from index.building import DocumentState, IndexReport, document_states, index_articles, index_documents
from index.chunking import Chunk, chunk_article
from index.cleaning import CleanArticle, clean_article
from index.embedding import Embedder, load_embedder
from index.errors import (
    ArticleError,
    EmbeddingServerError,
    IndexDirectoryError,
    ModelError,
    StoreUnavailableError,
    TanyaError,
)
from index.keyword_index import BM25Index
from index.server_embedding import server_embedder
from index.store import ChunkStore, StoredChunk, StoredSentence

__all__ = [
    "Article", "ArticleError", "BM25Index", "Chunk", "ChunkStore", "CleanArticle", "DocumentState", "Embedder",
    "EmbeddingServerError", "IndexDirectoryError", "IndexReport", "ModelError", "StoreUnavailableError",
    "StoredChunk", "StoredSentence", "TanyaError",
    "chunk_article", "clean_article", "document_states", "find_article_files", "index_articles", "index_documents",
    "load_article", "load_articles", "load_embedder", "scan_paths", "server_embedder",
]
