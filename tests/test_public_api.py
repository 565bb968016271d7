import memorybrain


def test_all_is_sorted_and_complete():
    assert memorybrain.__all__ == sorted(memorybrain.__all__)
    for name in memorybrain.__all__:
        assert hasattr(memorybrain, name), name
