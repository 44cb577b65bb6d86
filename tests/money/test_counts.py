import pytest

from money import say_count


@pytest.mark.parametrize("count, measure, said", [(1, "次", "一次"), (2, "笔", "两笔"), (3, "次", "三次"),
                                                  (10, "次", "十次"), (12, "笔", "十二笔")])
def test_counts_are_said_as_mandarin_counts_them(count, measure, said):
    assert say_count(count, measure) == said


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_a_non_count_is_refused(bad):
    with pytest.raises(ValueError):
        say_count(bad, "次")
