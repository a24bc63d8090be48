package dev.migscope.protocol;

import java.time.Duration;

/**
 * The agent protocol (docs/REMOTE.md): one JSON object per line over the agent's stdin and stdout.
 * The agent greets first with its {@link #HELLO}; the near side sends {@link #REQUEST}s, each with
 * an id, and gets one {@link #REPLY} per id; between replies the agent pushes {@link #SAMPLE}s,
 * and {@link #EVENT}s of an open session, and {@link #PROGRESS} of its save or resume. A stream file
 * crosses as {@link #CHUNK}s ({@link StreamFrames}): agent to near side before a save's reply, near
 * side to agent before the resume request that names them. A change of any message's meaning
 * is a new {@link #VERSION}; both sides refuse a version other than their own. Every line is at
 * most {@link #MAX_LINE} bytes and every array in it at most {@link #MAX_ELEMENTS} long: a side
 * that reads more ends the connection, naming the bound.
 */
public final class Protocol {

    /** The protocol this migscope speaks. */
    public static final int VERSION = 5;

    /** Bytes in one line, either way: a stream chunk is about 88 KiB, a conformance report or an attach's report far less. */
    public static final int MAX_LINE = 8 * 1024 * 1024;

    /** Elements of any one array in a message: devices listed, a transition's steps, a stream's phases, DMA ranges. */
    public static final int MAX_ELEMENTS = 4096;

    /** Since protocol 5: how often the agent says {@link #ALIVE} while a request of the near side runs. */
    public static final Duration ALIVE_INTERVAL = Duration.ofSeconds(1);

    /** The far side's first line: {@code {"type":"hello","protocol":5,"migscope":"0.4.0","kernel":"6.12.0"}}. */
    public static final String HELLO = "hello";
    public static final String REQUEST = "request";
    public static final String REPLY = "reply";
    public static final String SAMPLE = "sample";
    public static final String EVENT = "event";
    public static final String PROGRESS = "progress";
    public static final String CHUNK = "chunk";
    /** Since protocol 5: {@code {"type":"alive"}}, pushed while a request runs, so that silence means a dead far side. */
    public static final String ALIVE = "alive";
    /** Since protocol 4: what an {@link #ATTACH} request's QEMUs showed, pushed with that request's id. */
    public static final String OBSERVATION = "observation";
    /** Since protocol 4: an {@link #ATTACH}'s report so far, pushed with that request's id after observations. */
    public static final String REPORT = "report";

    /** Requests ({@code op}). */
    public static final String LIST = "list";
    public static final String OPEN = "open";
    public static final String STATE = "state";
    public static final String ARM = "arm";
    public static final String TRANSITION = "transition";
    public static final String RESET = "reset";
    public static final String CLOSE = "close";
    public static final String CONFORM = "conform";
    public static final String SAVE = "save";
    public static final String RESUME = "resume";
    public static final String CANCEL = "cancel";
    /** Since protocol 3: DMA logging of an open session, and a simulated device's controls. */
    public static final String DMA_LOGGING_START = "dma_logging_start";
    public static final String DMA_LOGGING_STOP = "dma_logging_stop";
    public static final String SIMULATE = "simulate";
    /** Since protocol 4: {@code migscope attach} run there, on QMP sockets there; replied when it ends. */
    public static final String ATTACH = "attach";

    /** A {@link #SIMULATE} request's {@code control}: one method of SimulationControls each. */
    public static final String INJECT_FAULT = "inject_fault";
    public static final String CLEAR_FAULTS = "clear_faults";
    public static final String SET_STATE_DELAY = "set_state_delay";
    public static final String DIRTY_RATE = "dirty_rate";
    public static final String LINK_BANDWIDTH = "link_bandwidth";
    public static final String UNPLUG = "unplug";
    public static final String STATE_DIGEST = "state_digest";

    private Protocol() {
    }
}
