"""Applications (`template_applications`): one participant applying to one template, with a rollup
of the latest session per stage."""
