# Data-free post-training quantization: MMRazor's MMArchitectureQuant
# (OpenVINO-style 8-bit fake quantization: per-channel symmetric weights,
# per-tensor activations) around the LeNet-5-half student of a CPSC run,
# calibrated only on images from the same run's generator
# (GeneratorDataset; the labels are not used), evaluated on the real MNIST
# test set. One CPSC checkpoint supplies both the calibration data (its
# `generator.` weights) and the model to quantize (its `architecture.`).
#   python tools/ptq.py configs/composition/ptq_generator_calibration_lenet5half_mnist.py \
#       --cfg-options test_cfg.calibrate_dataloader.dataset.checkpoint=CPSC_CKPT \
#                     model.architecture.init_cfg.checkpoint=CPSC_CKPT
# PTQLoop is a TestLoop (mmengine's Runner.test), so tools/train.py cannot
# run it; tools/ptq.py evaluates the float model (fake quantization off),
# calibrates, saves WORK_DIR/TIMESTAMP/model_ptq.pth and evaluates the
# quantized model.
_base_ = [
    '../_base_/datasets/mnist_generator_data.py',
    '../_base_/models/lenet5_bn.py', '../_base_/default_runtime.py'
]
default_scope = 'mmrazor'
custom_imports = dict(imports=['mmrazor_cpsc'], allow_failed_imports=False)

student = _base_.lenet5_half
# The trained student: the 'architecture.' weights of the CPSC checkpoint
# (prefix='' for a plain mmpretrain LeNet-5-half checkpoint). An init_cfg,
# not MMArchitectureQuant's float_checkpoint, which takes no key prefix.
student.init_cfg = dict(type='Pretrained', checkpoint=_base_.cpsc_checkpoint,
                        prefix='architecture.')

model = dict(
    _scope_='mmrazor',
    type='MMArchitectureQuant',
    data_preprocessor={{_base_.mnist_preprocessor}},
    architecture=student,
    # One traced graph per mode: 'predict' is calibrated and evaluated,
    # 'tensor' is needed by MMArchitectureQuant itself; no 'loss' (no QAT).
    forward_modes=('tensor', 'predict'),
    input_shapes=(1, 1, 32, 32),
    quantizer=dict(
        type='OpenVINOQuantizer',
        global_qconfig=dict(
            w_observer=dict(type='PerChannelMinMaxObserver'),
            a_observer=dict(type='MovingAverageMinMaxObserver'),
            w_fake_quant=dict(type='FakeQuantize'),
            a_fake_quant=dict(type='FakeQuantize'),
            w_qscheme=dict(qdtype='qint8', bit=8, is_symmetry=True,
                           is_symmetric_range=True),
            a_qscheme=dict(qdtype='quint8', bit=8, is_symmetry=True,
                           averaging_constant=0.1)),
        # The classifier head's loss / prediction code is not traced.
        tracer=dict(
            type='CustomTracer',
            skipped_methods=[
                'mmpretrain.models.heads.ClsHead._get_loss',
                'mmpretrain.models.heads.ClsHead._get_predictions'
            ])))

# Calibration: calibrate_steps batches of generator images (here 32 x 64 =
# 2048 images, class-balanced). The observers only see these; the real
# MNIST images are used for evaluation only.
test_cfg = dict(
    type='PTQLoop',
    calibrate_dataloader=dict(
        batch_size=64,
        num_workers=0,
        # 2,048 images: 32 calibration steps of 64.
        dataset=dict(_base_.generator_dataset, length=2048),
        sampler=dict(type='DefaultSampler', shuffle=True)),
    calibrate_steps=32)
# PTQLoop evaluates the calibrated model with the val loop (real MNIST test).
val_cfg = dict()
