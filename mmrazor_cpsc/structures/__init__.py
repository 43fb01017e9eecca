from .labelled_samples import LabelledSamples

__all__ = ['LabelledSamples']
