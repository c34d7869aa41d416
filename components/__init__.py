"""Code that runs inside TFX components: feature spec, transform, model, custom components."""
