"""The queue at the model: first come first served, each waiter knows its place, a waiter that gives up is skipped."""

import threading

from rag.model_queue import ModelQueue


def test_tickets_are_served_in_order_and_know_how_many_are_ahead():
    turns = ModelQueue()
    first, second, third = turns.take(), turns.take(), turns.take()
    assert [turns.ahead(t) for t in (first, second, third)] == [0, 1, 2]
    assert turns.wait(first, timeout=0) and not turns.wait(second, timeout=0.01)
    turns.leave(first)
    assert [turns.ahead(t) for t in (second, third)] == [0, 1] and turns.wait(second, timeout=0)


def test_a_waiter_that_gives_up_leaves_its_place_at_once():
    turns = ModelQueue()
    first, second, third = turns.take(), turns.take(), turns.take()
    turns.leave(second)  # the user stopped it while it waited
    assert turns.ahead(third) == 1
    turns.leave(first)
    assert turns.ahead(third) == 0 and turns.wait(third, timeout=0)


def test_threads_take_turns_one_at_a_time_in_the_order_they_came():
    turns, order, inside, overlaps = ModelQueue(), [], [], []
    tickets = [turns.take() for _ in range(4)]  # taken in this order, used from 4 threads started in reverse

    def use(ticket):
        turns.wait(ticket)
        try:
            if inside:
                overlaps.append(ticket)
            inside.append(ticket)
            order.append(ticket)
            threading.Event().wait(0.01)
            inside.remove(ticket)
        finally:
            turns.leave(ticket)

    threads = [threading.Thread(target=use, args=(t,)) for t in reversed(tickets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert order == tickets and not overlaps


def test_a_blocking_turn_waits_for_the_one_before():
    turns = ModelQueue()
    held = turns.take()
    entered = threading.Event()

    def blocking():
        with turns.turn():
            entered.set()

    thread = threading.Thread(target=blocking)
    thread.start()
    assert not entered.wait(0.1)  # still the first one's turn
    turns.leave(held)
    assert entered.wait(5)
    thread.join(5)
    after = turns.take()
    assert turns.ahead(after) == 0  # nobody left holding a turn
    turns.leave(after)
