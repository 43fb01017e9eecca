# MMRazor's DFAD on the CPU-sized CIFAR-10 pair exactly as
# configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py, plus the generator head
# start CPSC's config has (student_start_iter=40): the student's updates are
# held for the first 40 iterations while the generator trains
# (GeneratorHeadStartHook; configs/baselines/README.md, "A generator head
# start for every method").
_base_ = ['../dfad_wrn16-2_wrn16-1_cifar10.py']
custom_hooks = {{_base_.cpu_hooks_head_start}}
