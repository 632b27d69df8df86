"""The domain's input types: pydantic models that every request body, query and input file is parsed into,
once. The web layer declares them in its contract (so /openapi.json is what is enforced) and hands the parsed
model to the store; the CLI parses its files with the same models. One module per feature."""
