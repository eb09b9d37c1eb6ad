# Models arrive with the circles issue.
