"""The benchmark suites: which pair, which data and which method configs."""
import os.path as osp

# What each suite runs: its method configs, the data tool and its arguments
# (run before the teacher is trained), the teacher config trained when no
# --teacher-ckpt is given, and the student trained on the real data.
SUITES = {
    'mnist': dict(
        configs=[
            'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
            'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py',
            'configs/baselines/dfad_lenet5bn_lenet5half_mnist.py',
            'configs/baselines/zskt_lenet5bn_lenet5half_mnist.py',
        ],
        prepare=['prepare_mnist.py', '--root', 'data/mnist'],
        teacher='configs/teachers/lenet5_bn_mnist.py',
        student=None),
    'cifar10': dict(
        configs=[
            'configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py',
            # The paper's CPSC beside our default: the table shows both.
            'configs/cpsc/cpsc-paper_wrn16-2_wrn16-1_cifar10.py',
            'configs/baselines/dafl_wrn16-2_wrn16-1_cifar10.py',
            'configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py',
            'configs/baselines/zskt_wrn16-2_wrn16-1_cifar10.py',
        ],
        prepare=['prepare_cifar10.py', '--root', 'data/cifar10'],
        teacher='configs/teachers/wrn16_2_cifar10.py',
        student='configs/students/wrn16_1_cifar10.py'),
}
DEFAULT_CONFIGS = SUITES['mnist']['configs']
# The validation and test metric every run reports.
METRIC = 'accuracy/top1'
# What tools/test.py --per-class reports (mmrazor_cpsc.utils.cli).
PER_CLASS_METRIC = 'single-label/recall_classwise'
CPSC_TYPE = 'CPSCDataFreeDistillation'


def method_name(config: str) -> str:
    """A method's default name: its config file's first word, upper-cased
    (``cpsc-paper_wrn16-2_...py`` -> ``CPSC-PAPER``)."""
    return osp.basename(config).split('_')[0].upper()
