"""The catalog job: load a Spotify catalog, cluster it as the study did, write the artifact."""
