package dev.migscope.session;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a backend (the simulator) and counts the calls every session it opens makes, by method
 * name: how a test proves that a refusal made no SET, or a refused file no call at all.
 */
final class CountingBackend implements DeviceBackend {

    private final DeviceBackend real;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    CountingBackend(DeviceBackend real) {
        this.real = real;
    }

    int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    /** Calls that may change a device: SET, reset, DMA logging start/stop. */
    int changes() {
        return calls("setState") + calls("reset") + calls("dmaLoggingStart") + calls("dmaLoggingStop");
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public List<DeviceInfo> list() {
        return real.list();
    }

    @Override
    public boolean owns(String id) {
        return real.owns(id);
    }

    @Override
    public Optional<MigState> watchState(String id) {
        return real.watchState(id);
    }

    @Override
    public DeviceSession open(String id) throws VfioException {
        DeviceSession d = real.open(id);
        return (DeviceSession) Proxy.newProxyInstance(DeviceSession.class.getClassLoader(),
                new Class<?>[] {DeviceSession.class}, (proxy, method, args) -> {
                    calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
                    try {
                        return method.invoke(d, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
