"""The lab around the lesson: what runs, records, measures and reports the two frameworks, and writes the docs.
It imports the lesson (shared/, torch_impl/, tf_impl/); the lesson never imports it."""
