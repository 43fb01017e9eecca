# The class-conditional generator of the MNIST CPSC config, shared with the
# configs that reuse its checkpoints (e.g. GeneratorDataset).
mnist_generator = dict(
    type='CPSCGenerator', img_size=32, latent_dim=100, hidden_channels=16,
    out_channels=1, num_classes=10)
