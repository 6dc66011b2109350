"""People scoring calls: scorecards, sampling into the analysts' work queue, evaluations,
disputes, calibration and coaching."""
