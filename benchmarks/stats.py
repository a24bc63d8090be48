"""Ratio statistics for benchmarks/run.sh: reads "label value" pairs per round on stdin as
lines `ROUND A_VALUE B_VALUE` and prints median ratio B/A (or A/B with --invert) with its spread."""
import statistics
import sys

invert = "--invert" in sys.argv
ratios = []
a_vals = []
b_vals = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3:
        continue
    a, b = float(parts[1]), float(parts[2])
    a_vals.append(a)
    b_vals.append(b)
    ratios.append(a / b if invert else b / a)
print("%.3g %.3g %.2f %.2f %.2f %d" % (statistics.median(a_vals), statistics.median(b_vals),
                                        statistics.median(ratios), min(ratios), max(ratios), len(ratios)))
