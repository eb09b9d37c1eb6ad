# Models arrive with the coaching issue.
