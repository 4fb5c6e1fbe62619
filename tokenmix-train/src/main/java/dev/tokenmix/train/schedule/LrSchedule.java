package dev.tokenmix.train.schedule;

/** A learning rate per optimizer update, a pure function of the update index so that a resumed run repeats it. */
public interface LrSchedule {
    /** The learning rate of update {@code t} (from 0). */
    double lr(long t);

    /** A constant learning rate ({@code --sched none}). */
    static LrSchedule constant(double lr) {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        }
        return t -> lr;
    }
}
