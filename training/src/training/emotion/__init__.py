"""The emotion models: data, the study's four architectures, training, evaluation, export."""
