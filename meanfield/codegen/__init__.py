"""Code generation: SymPy expressions to cached, readable numpy modules."""

from .load import show_source as show_source
from .network import NetworkKernels as NetworkKernels, network_kernels as network_kernels
from .printer import MeanfieldPrinter as MeanfieldPrinter, print_expr as print_expr
