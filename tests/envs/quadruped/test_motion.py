import json
import math

import numpy as np
import pytest

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import DEFAULT_JOINT_ANGLES, INIT_QUAT
from a2perf.envs.quadruped.motion import MotionClip, clip_from_dict, load_clip, warmup_pose
from a2perf.errors import DataNotFoundError, SchemaError

from .conftest import clip_path


def _frame(x, y=0.0, yaw=0.0, j=0.0):
    q = quat.multiply(quat.about_z(yaw), INIT_QUAT)
    return [x, y, 0.4, *q.tolist(), *([j] * 12)]


def _line_clip(**kw):
    # 3 frames, 0.1 s apart, x from 1.0 to 1.2 (shifted to start at 0), joints 0 -> 0.2
    data = {
        "LoopMode": "Wrap",
        "FrameDuration": 0.1,
        "Frames": [_frame(1.0, 2.0, j=0.0), _frame(1.1, 2.0, j=0.1), _frame(1.2, 2.0, j=0.2)],
    }
    data.update(kw)
    return clip_from_dict(data)


def test_frame_zero_is_moved_to_origin_and_interpolated():
    c = _line_clip()
    s = c.sample(np.array([0.05, 0.15]))
    np.testing.assert_allclose(s.root_pos[:, 0], [0.05, 0.15], atol=1e-12)
    np.testing.assert_allclose(s.root_pos[:, 1], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(s.joints[:, 0], [0.05, 0.15], atol=1e-12)
    np.testing.assert_allclose(s.root_vel[:, 0], [1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(s.joint_vel[:, 3], [1.0, 1.0], atol=1e-12)


def test_cycle_offset_position_adds_displacement_per_cycle():
    c = _line_clip(EnableCycleOffsetPosition=True)
    assert math.isclose(c.duration, 0.2)
    s = c.sample(np.array([0.25, 0.45, -0.15]))
    np.testing.assert_allclose(s.root_pos[:, 0], [0.25, 0.45, -0.15], atol=1e-12)
    without = _line_clip().sample(np.array([0.25]))
    assert math.isclose(without.root_pos[0, 0], 0.05, abs_tol=1e-12)


def test_cycle_offset_rotation_turns_each_cycle():
    # a clip that turns 90 degrees and walks 1 m along its start heading per cycle
    data = {
        "LoopMode": "Wrap",
        "FrameDuration": 0.5,
        "EnableCycleOffsetPosition": True,
        "EnableCycleOffsetRotation": True,
        "Frames": [_frame(0.0, yaw=0.0), _frame(0.5, yaw=math.pi / 4), _frame(1.0, yaw=math.pi / 2)],
    }
    c = clip_from_dict(data)
    assert math.isclose(c.cycle_delta_heading, math.pi / 2)
    s = c.sample(np.array([1.0, 2.0]))
    # after one cycle: at (1, 0), facing +y; after two: at (1, 1), facing -x
    np.testing.assert_allclose(s.root_pos[0, :2], [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(s.root_pos[1, :2], [1.0, 1.0], atol=1e-12)
    assert math.isclose(
        quat.heading(s.root_quat[1]) - quat.heading(INIT_QUAT), math.pi, abs_tol=1e-9
    ) or math.isclose(quat.heading(s.root_quat[1]) - quat.heading(INIT_QUAT), -math.pi, abs_tol=1e-9)


def test_slerp_between_frames():
    data = {"LoopMode": "Wrap", "FrameDuration": 0.1, "Frames": [_frame(0.0, yaw=0.0), _frame(0.0, yaw=0.4)]}
    c = clip_from_dict(data)
    s = c.sample(np.array([0.05]))
    expected = quat.multiply(quat.about_z(0.2), INIT_QUAT)
    np.testing.assert_allclose(s.root_quat[0], expected, atol=1e-12)
    np.testing.assert_allclose(s.root_ang_vel[0], [0, 0, 4.0], atol=1e-9)


@pytest.mark.parametrize(
    ("name", "frames", "duration", "dx"),
    [("pace", 39, 0.6335, 0.688), ("trot", 33, 0.5334, 0.936), ("spin", 46, 0.7501, -0.063)],
)
def test_dog_clips_match_spec_table(data_dir, name, frames, duration, dx):
    c = load_clip(clip_path(name))
    assert c.num_frames == frames
    assert math.isclose(c.duration, duration, abs_tol=1e-3)
    assert math.isclose(c.cycle_delta_pos[0], dx, abs_tol=1e-3)
    if name == "spin":
        assert math.isclose(math.degrees(c.cycle_delta_heading), 99.66, abs_tol=0.01)
        assert c.cycle_offset_rotation


def test_warmup_pose_is_default_pose_with_clip_heading():
    c = _line_clip()
    pos, rot, joints = warmup_pose(c)
    np.testing.assert_allclose(pos, [0, 0, 0.48])
    np.testing.assert_allclose(rot, INIT_QUAT, atol=1e-12)
    np.testing.assert_allclose(joints, DEFAULT_JOINT_ANGLES)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("Frames"), "missing key 'Frames'"),
        (lambda d: d.pop("FrameDuration"), "missing key 'FrameDuration'"),
        (lambda d: d.__setitem__("LoopMode", "Bounce"), "LoopMode"),
        (lambda d: d.__setitem__("FrameDuration", 0), "FrameDuration is 0"),
        (lambda d: d.__setitem__("FrameDuration", -0.1), "positive"),
        (lambda d: d["Frames"][1].pop(), "frame 1 has 18 values, expected 19"),
        (lambda d: d["Frames"][2].__setitem__(5, float("nan")), "frame 2 value 5 is not finite"),
        (lambda d: d["Frames"][0].__setitem__(3, "x"), "non-number"),
        (lambda d: d.__setitem__("Frames", [d["Frames"][0]]), "at least 2 rows"),
        (lambda d: d.__setitem__("EnableCycleOffsetPosition", "yes"), "EnableCycleOffsetPosition"),
    ],
)
def test_malformed_clip_raises_schema_error(tmp_path, mutate, message):
    data = {"LoopMode": "Wrap", "FrameDuration": 0.1, "Frames": [_frame(0.0), _frame(0.1), _frame(0.2)]}
    mutate(data)
    path = tmp_path / "bad.txt"
    path.write_text(json.dumps(data).replace("NaN", "NaN"))
    with pytest.raises(SchemaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_clip(path)


def test_zero_quaternion_rejected():
    frames = [_frame(0.0), _frame(0.1)]
    frames[1][3:7] = [0, 0, 0, 0]
    with pytest.raises(SchemaError, match="zero root quaternion"):
        clip_from_dict({"LoopMode": "Wrap", "FrameDuration": 0.1, "Frames": frames})


def test_not_json_and_missing_file(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        load_clip(bad)
    with pytest.raises(DataNotFoundError, match="not found"):
        load_clip(tmp_path / "missing.txt")


def test_clip_is_immutable():
    c = _line_clip()
    with pytest.raises(ValueError):
        c.frames[0, 0] = 1.0
    assert isinstance(c, MotionClip)


def test_deepmimic_layout_errors():
    row = [0.1, 0, 0, 0.4, 1, 0, 0, 0, *([0.0] * 12)]
    with pytest.raises(SchemaError, match="Loop is 'bounce'"):
        clip_from_dict({"Loop": "bounce", "Frames": [row, row]})
    with pytest.raises(SchemaError, match="frame 1 has 19 values, expected 20"):
        clip_from_dict({"Loop": "wrap", "Frames": [row, row[:-1]]})
    with pytest.raises(SchemaError, match="frame duration is not positive"):
        clip_from_dict({"Loop": "wrap", "Frames": [[0.0, *row[1:]], row]})
