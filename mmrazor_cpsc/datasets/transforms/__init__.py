from .to_grayscale import ToGrayscale

__all__ = ['ToGrayscale']
