"""The release tools: compare a trained model with the shipped one as each is served (`versus`),
ship it, and measure onto its card what the emotion-service serves by (`views`, `litert`, `speed`,
`peers`)."""
