package io.loomux.internal.serve;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A logger that keeps each line as "LEVEL message", and can be made to throw instead. */
final class RecordingLogger implements System.Logger {

    final List<String> lines = new CopyOnWriteArrayList<>();
    /** Thrown by every log call when set, as logging does when out of descriptors. */
    volatile Supplier<? extends Throwable> failure;

    long count(Level level) {
        return lines.stream().filter(l -> l.startsWith(level.name() + " ")).count();
    }

    @Override
    public String getName() {
        return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        record(level, msg);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        record(level, format);
    }

    private void record(Level level, String msg) {
        Supplier<? extends Throwable> f = failure;
        if (f != null) {
            Throwable t = f.get();
            if (t instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) t;
        }
        lines.add(level.name() + " " + msg);
    }
}
