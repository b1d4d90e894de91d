# SPDX-License-Identifier: MIT
# Frame-time plot of bench-demo --plot DATA (performance.md §6): 1,000 consecutive frames of
# the library and of the raw baseline at 1080p, with p50 and p99 lines of each.
# usage: gnuplot -e "data='DATA'; out='OUT.png'" bench/demo/plot.gp
stats data using 2 nooutput
lib_n = STATS_records
p50l = real(system("awk '/^# p50/ {print $3}' " . data))
p99l = real(system("awk '/^# p99/ {print $3}' " . data))
p50r = real(system("awk '/^# p50/ {print $4}' " . data))
p99r = real(system("awk '/^# p99/ {print $4}' " . data))
set terminal pngcairo size 1100,520 font "sans,10"
set output out
set title "lagfx-demo login scene, 1920x1080, lavapipe, damage tracking: frame times"
set xlabel "frame"
set ylabel "ms"
set yrange [0:*]
set key top right
set grid ytics
plot data using 1:2 with lines lw 1 lc rgb "#1f77b4" title "library (guest frame + present + read)", \
     data using 1:3 with lines lw 1 lc rgb "#ff7f0e" title "raw Vulkan, same frames", \
     p50l with lines dt 2 lw 2 lc rgb "#1f77b4" title sprintf("library p50 %.2f ms", p50l), \
     p99l with lines dt 3 lw 2 lc rgb "#1f77b4" title sprintf("library p99 %.2f ms", p99l), \
     p50r with lines dt 2 lw 2 lc rgb "#ff7f0e" title sprintf("raw p50 %.2f ms", p50r), \
     p99r with lines dt 3 lw 2 lc rgb "#ff7f0e" title sprintf("raw p99 %.2f ms", p99r)
