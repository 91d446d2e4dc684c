"""Validation studies: each pairs a prediction with its measurement (run by make validate).

Every study module has ``run(out, quick=False) -> StudyResult``.
"""

from . import (chaos_onset, dimension, dmft_correlations, fixed_point_counts,
               fixed_point_variances, input_driven, instability_lines, jacobian_spectrum,
               lyapunov_dmft, memory_reset, phase_diagrams, slow_modes, unstable_fixed_points)

STUDIES = {
    "fixed_point_variances": fixed_point_variances,
    "jacobian_spectrum": jacobian_spectrum,
    "slow_modes": slow_modes,
    "instability_lines": instability_lines,
    "unstable_fixed_points": unstable_fixed_points,
    "dmft_correlations": dmft_correlations,
    "memory_reset": memory_reset,
    "lyapunov_dmft": lyapunov_dmft,
    "chaos_onset": chaos_onset,
    "dimension": dimension,
    "fixed_point_counts": fixed_point_counts,
    "input_driven": input_driven,
    "phase_diagrams": phase_diagrams,
}
