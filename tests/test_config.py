import pytest

import utils


def test_profile_defaults_to_full(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert utils.profile() == "full" and not utils.is_quick()
    assert utils.pick(quick=1, full=3) == 3


def test_quick_profile_shrinks_settings(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "Quick ")
    assert utils.is_quick()
    assert utils.pick(quick=1, full=3) == 1


def test_unknown_profile_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match="not a profile"):
        utils.profile()


def test_data_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA", raising=False)
    assert utils.data_root() == utils.repo_root() / "data"
    assert (utils.repo_root() / "utils" / "__init__.py").exists()
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    assert utils.data_root() == tmp_path.resolve()


def test_headline_states_caveats(capsys):
    utils.headline("val_acc", 0.8125, generated_data=True, untrained_weights=True)
    assert capsys.readouterr().out == "HEADLINE val_acc=0.8125  [generated data, untrained weights]\n"
    utils.headline("fit", "3.00,8.00")
    assert capsys.readouterr().out == "HEADLINE fit=3.00,8.00\n"


def test_seeding_makes_numpy_repeatable():
    import numpy as np

    utils.seed_everything(7)
    first = np.random.rand(3)
    utils.seed_everything(7)
    assert np.array_equal(first, np.random.rand(3))


def test_every_export_resolves_and_unknown_names_fail():
    for name in utils.__all__:
        assert getattr(utils, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = utils.nope


def test_check_floor_holds_generated_and_real_results_to_the_floor(capsys):
    assert utils.check_floor("val_acc", 0.9, 0.75, generated_data=True, untrained_weights=True)
    assert "HEADLINE val_acc=0.9000  [generated data, untrained weights]" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"val_acc=0\.5000 is below the floor 0\.75 for generated"):
        utils.check_floor("val_acc", 0.5, 0.75, generated_data=True, untrained_weights=True)
    with pytest.raises(AssertionError, match="below the floor 0.95 for real data"):
        utils.check_floor("val_acc", 0.9, 0.95)


def test_check_floor_explains_real_photos_through_an_untrained_network(capsys):
    assert not utils.check_floor("val_acc", 0.48, 0.75, untrained_weights=True, chance=0.5)
    out = capsys.readouterr().out
    assert "HEADLINE val_acc=0.4800  [untrained weights]" in out
    assert "near chance (chance is 0.50)" in out and "ImageNet weights" in out


def test_stand_in_data_is_flagged_in_the_headline_and_the_floor_message(capsys):
    stand_in = "scikit-learn digits standing in for MNIST"
    assert utils.check_floor("test_accuracy", 0.97, 0.95, stand_in=stand_in)
    out = capsys.readouterr().out
    assert f"HEADLINE test_accuracy=0.9700  [{stand_in}]" in out
    assert f">= 0.95 ({stand_in})" in out
    with pytest.raises(AssertionError, match=f"below the floor 0.95 for {stand_in}"):
        utils.check_floor("test_accuracy", 0.5, 0.95, stand_in=stand_in)
    assert (
        utils.caveat(generated=True, untrained=True, stand_in=stand_in)
        == f"  [generated data, {stand_in}, untrained weights]"
    )
    with pytest.raises(ValueError, match="no commas"):
        utils.caveat(stand_in="digits, not MNIST")


def test_one_caveat_knows_data_and_weights_and_prints_one_wording(tmp_path):
    from utils.provenance import MARKER_NAME, Caveat

    (tmp_path / MARKER_NAME).write_text("{}")
    stand_in = "EfficientNet-Lite0 ImageNet weights standing in for VGG16's"
    both = Caveat.of_data(tmp_path) | Caveat(weights=stand_in)
    assert f"acc 0.9{both}" == f"acc 0.9  [generated data, {stand_in}]"
    assert Caveat(untrained=True, weights=stand_in) == "  [untrained weights]"  # no weights, no stand-in
    assert "x" + Caveat() == "x" and not Caveat() and utils.caveat(generated=True) == "  [generated data]"
    with pytest.raises(ValueError, match="commas"):
        Caveat(stand_in="a, b")


def test_course_network_follows_the_profile_unless_chosen(monkeypatch):
    monkeypatch.delenv("COURSE_NETWORK", raising=False)
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert utils.course_network() == "efficientnet_lite0"
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert utils.course_network() == "vgg16"
    monkeypatch.setenv("COURSE_NETWORK", " EfficientNet_Lite0 ")
    assert utils.course_network() == "efficientnet_lite0"
    monkeypatch.setenv("COURSE_NETWORK", "resnet50")
    with pytest.raises(ValueError, match=r"COURSE_NETWORK='resnet50' is not a course network.*vgg16"):
        utils.course_network()


def test_headline_and_floor_take_one_caveat_for_data_and_weights(tmp_path, capsys):
    from utils.provenance import MARKER_NAME, Caveat, weights_standing_in

    (tmp_path / MARKER_NAME).write_text("{}")
    both = Caveat.of_data(tmp_path) | Caveat(weights=weights_standing_in("EfficientNet-Lite0"))
    assert utils.check_floor("val_acc", 0.97, 0.9, caveat=both)
    out = capsys.readouterr().out
    assert "HEADLINE val_acc=0.9700  [generated data, EfficientNet-Lite0 ImageNet weights" in out
    assert ">= 0.9 (generated data)" in out
    with pytest.raises(AssertionError, match="below the floor 0.9 for generated data  \\[generated"):
        utils.check_floor("val_acc", 0.5, 0.9, caveat=both)
