package dev.migscope.conform;

/**
 * One check of a conformance run.
 *
 * @param id       stable identifier, e.g. {@code arc.RUNNING-PRE_COPY}, {@code refusal.STOP_COPY-PRE_COPY}
 * @param group    the report section: device, arcs, paths, refusals, precopy, stop-copy, resume, reset, dma-logging
 * @param title    what was checked, in one line
 * @param rule     the uAPI rule the check comes from
 * @param status   pass, fail or warn
 * @param evidence what was sent and what came back
 */
public record CheckResult(String id, String group, String title, Rule rule, Status status, String evidence) {
}
