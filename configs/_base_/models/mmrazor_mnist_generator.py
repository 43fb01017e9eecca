# MMRazor's DAFL generator at the cost class of CPSC's MNIST generator
# (cpsc_mnist_generator.py: 222k parameters; this one: 221k), re-headed to the
# 1-channel images the MNIST teacher takes (MMRazor's generators emit 3).
mmrazor_mnist_generator = dict(
    type='OutChannelsGenerator',
    out_channels=1,
    generator=dict(
        type='DAFLGenerator', img_size=32, latent_dim=100,
        hidden_channels=32))
