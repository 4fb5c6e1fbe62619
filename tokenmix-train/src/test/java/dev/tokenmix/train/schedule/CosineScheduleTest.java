package dev.tokenmix.train.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The schedule at chosen updates against timm's CosineLRScheduler values worked by hand. */
class CosineScheduleTest {
    // lr 1e-3, min 1e-5, warm-up from 1e-6 over 10 updates, 100 updates in all
    private final CosineSchedule s = new CosineSchedule(1e-3, 1e-5, 1e-6, 10, 100);

    @Test
    void warmUpIsLinearFromWarmupLr() {
        assertEquals(1e-6, s.lr(0), 1e-15);
        assertEquals(1e-6 + 5 * (1e-3 - 1e-6) / 10, s.lr(5), 1e-15);
    }

    @Test
    void cosineRunsOverTheWholeRunIncludingWarmUp() {
        // t = 10: 1e-5 + 0.5 * 0.99e-3 * (1 + cos(0.1 pi)) = 9.75773...e-4
        assertEquals(1e-5 + 0.5 * 0.99e-3 * (1 + 0.9510565162951535), s.lr(10), 1e-15);
        assertEquals(1e-5 + 0.5 * 0.99e-3, s.lr(50), 1e-15);
        assertEquals(1e-5 + 0.5 * 0.99e-3 * (1 - 0.9510565162951535), s.lr(90), 1e-15);
    }

    @Test
    void staysAtMinLrAfterTheEnd() {
        assertEquals(1e-5, s.lr(100), 0);
        assertEquals(1e-5, s.lr(1000), 0);
    }

    @Test
    void noWarmUpStartsAtBaseLr() {
        assertEquals(1e-3, new CosineSchedule(1e-3, 0, 0, 0, 7).lr(0), 0);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(1e-3, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(-1, 0, 0, 0, 10));
    }
}
