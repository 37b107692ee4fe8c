"""Cases: intake, the workflow through one door, evidence, documents and lists."""
