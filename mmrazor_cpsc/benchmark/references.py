"""What the data-free students are measured against: the teacher's test
top-1 and, where the suite names one, a student trained on the real data.

Every ``--cfg-options`` override of the benchmark that applies to a
reference's config reaches it (the teacher of another dataset needs that
dataset's normalisation in its test too); what applies and what could not is
recorded in references.json and the latter printed in one warning line.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Tuple

from .paths import config_path
from .report import read_json
from .runs import evaluate_on_test_set, train_classifier
from .suites import SUITES

# Overrides of the evaluation data reach a reference even when its config
# lacks the key (a new key of a dataset, e.g. a data_root it will read).
EVALUATION_DATA = ('val_dataloader.', 'test_dataloader.')


def _has_key(node: Any, key: str) -> bool:
    """Whether the dotted KEY names an existing entry of the parsed config
    NODE (list items by their index, as --cfg-options writes them)."""
    for part in key.split('.'):
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                return False
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def applicable_options(options: Dict, config: str
                       ) -> Tuple[Dict[str, Any], List[str]]:
    """The overrides of OPTIONS that apply to CONFIG, and the keys of those
    that do not.

    An override applies when its key exists in CONFIG once parsed (e.g.
    ``model.data_preprocessor.mean`` of a classifier config), or when it
    sets the evaluation data (``val_dataloader.``/``test_dataloader.``
    keys). A method-only key (``model.student_steps``) does not apply: set
    on a classifier it would break the reference's config.

    Args:
        options: the benchmark's --cfg-options (key -> parsed value).
        config: the reference's config file.

    Returns:
        (applicable key -> value, sorted keys that cannot apply).
    """
    from mmengine.config import Config
    parsed = Config.fromfile(config_path(config)).to_dict()
    applied, skipped = {}, []
    for key, value in options.items():
        if key.startswith(EVALUATION_DATA) or _has_key(parsed, key):
            applied[key] = value
        else:
            skipped.append(key)
    return applied, sorted(skipped)


def as_arguments(options: Dict) -> List[str]:
    """OPTIONS as ``key=value`` arguments of a tool's --cfg-options."""
    return [f'{key}={value}' for key, value in options.items()]


def reference_options(options: Dict, role: str, config: str) -> Dict:
    """The overrides of OPTIONS that reach the reference ROLE (``teacher`` or
    ``student``) of config CONFIG; prints one warning line naming those that
    cannot, and returns ``dict(applied=..., not_applied=[...])``."""
    applied, skipped = applicable_options(options, config)
    if skipped:
        print(f"benchmark: warning: --cfg-options {', '.join(skipped)} "
              f'cannot apply to the {role} reference ({config} has no such '
              f'key); its test runs without them.', flush=True)
    return dict(applied=applied, not_applied=skipped)


def references(out: str, suite: str, teacher_ckpt: str,
               options: Dict) -> Dict:
    """Test top-1 of the teacher and (where the suite has one) of the student
    trained on the real data: what the data-free students are measured
    against. Written to OUT/references.json with the overrides each
    reference ran with (``cfg_options``: role -> applied/not_applied), and
    measured again when the teacher or the overrides change.

    Args:
        out: the benchmark's output folder.
        suite: a key of :data:`SUITES`.
        teacher_ckpt: the teacher checkpoint every method distils.
        options: the benchmark's --cfg-options (key -> parsed value).

    Returns:
        The references: ``teacher_top1_test``, ``teacher_per_class_test``,
        ``classes``, ``real_data_student_top1_test`` where the suite has a
        student, ``teacher_ckpt`` and ``cfg_options``.
    """
    path = osp.join(out, 'references.json')
    found = read_json(path, {})
    given = json.loads(json.dumps(dict(options), default=str))
    # References from before per-class reporting, or before the overrides
    # were recorded, are measured again.
    if (found.get('teacher_ckpt') == teacher_ckpt
            and 'teacher_per_class_test' in found
            and found.get('cfg_options_given') == given):
        return found
    work_dir = osp.join(out, 'references')
    found = dict(teacher_ckpt=teacher_ckpt, cfg_options_given=given,
                 cfg_options={})
    teacher_config = SUITES[suite]['teacher']
    applied = reference_options(options, 'teacher', teacher_config)
    found['cfg_options']['teacher'] = applied
    os.makedirs(osp.join(work_dir, 'teacher'), exist_ok=True)
    teacher = evaluate_on_test_set(
        config_path(teacher_config), teacher_ckpt,
        osp.join(work_dir, 'teacher'), as_arguments(applied['applied']))
    found.update(teacher_top1_test=teacher['top1'],
                 teacher_per_class_test=teacher['per_class'],
                 classes=teacher['classes'])
    student_config = SUITES[suite]['student']
    if student_config:
        applied = reference_options(options, 'student', student_config)
        found['cfg_options']['student'] = applied
        student_ckpt = train_classifier(out, suite, 'student',
                                        applied['applied'])
        os.makedirs(osp.join(work_dir, 'student'), exist_ok=True)
        found['real_data_student_top1_test'] = evaluate_on_test_set(
            config_path(student_config), student_ckpt,
            osp.join(work_dir, 'student'),
            as_arguments(applied['applied']))['top1']
    with open(path, 'w') as f:
        json.dump(found, f, indent=1, default=str)
    return found
