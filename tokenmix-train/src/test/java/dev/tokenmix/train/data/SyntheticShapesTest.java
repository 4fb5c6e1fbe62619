package dev.tokenmix.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticShapesTest {

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void sameSeedSamePixelsOtherSeedOrSplitOtherPixels() {
        SyntheticShapes a = SyntheticShapes.builder().seed(3).build();
        SyntheticShapes b = SyntheticShapes.builder().seed(3).build();
        SyntheticShapes c = SyntheticShapes.builder().seed(4).build();
        SyntheticShapes v = SyntheticShapes.builder().seed(3).split(Split.VAL).build();
        for (int i : new int[] {0, 7, 999}) {
            int[] pa = pixels(a.get(i).image());
            assertArrayEquals(pa, pixels(b.get(i).image()));
            assertFalse(java.util.Arrays.equals(pa, pixels(c.get(i).image())));
        }
        assertFalse(java.util.Arrays.equals(pixels(a.get(2).image()), pixels(v.get(2).image())));
    }

    @Test
    void labelsAreBalancedAndImagesHaveTheRequestedSize() {
        SyntheticShapes s = SyntheticShapes.builder().classes(4).perClass(6).imageSize(40).build();
        assertEquals(24, s.size());
        int[] counts = new int[4];
        for (int i = 0; i < s.size(); i++) {
            ImageDataset.Sample smp = s.get(i);
            assertEquals(s.label(i), smp.label());
            assertEquals(40, smp.image().getWidth());
            assertEquals(40, smp.image().getHeight());
            counts[smp.label()]++;
        }
        assertArrayEquals(new int[] {6, 6, 6, 6}, counts);
        // The four most distinct kinds, named in natural order.
        assertEquals(List.of("circle", "cross", "ring", "triangle"), s.classNames());
    }

    @Test
    void moreClassesThanKindsAreKindTimesColour() {
        SyntheticShapes s = SyntheticShapes.builder().classes(12).perClass(1).build();
        Set<String> names = new HashSet<>(s.classNames());
        assertEquals(12, names.size());
        assertTrue(names.containsAll(List.of("red_circle", "red_crescent", "green_circle", "green_cross")),
                names::toString);
        List<String> sorted = new java.util.ArrayList<>(s.classNames());
        sorted.sort(NaturalOrder.INSTANCE);
        assertEquals(sorted, s.classNames());
    }

    @Test
    void theShapeDiffersFromTheBackground() {
        // The shape is drawn bright and saturated on a dim background: the image's brightest pixels stand far
        // above its median, so the class is visible.
        SyntheticShapes s = SyntheticShapes.builder().classes(5).perClass(4).build();
        for (int i = 0; i < s.size(); i++) {
            int[] px = pixels(s.get(i).image());
            int[] lum = java.util.Arrays.stream(px).map(p -> Math.max(p >> 16 & 0xFF, Math.max(p >> 8 & 0xFF, p & 0xFF)))
                    .sorted().toArray();
            assertTrue(lum[lum.length * 95 / 100] - lum[lum.length / 4] > 60, "sample " + i);
        }
    }

    @Test
    void badSettingsNameTheValue() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> SyntheticShapes.builder().classes(SyntheticShapes.MAX_CLASSES + 1).build());
        assertTrue(e.getMessage().contains(String.valueOf(SyntheticShapes.MAX_CLASSES + 1)), e.getMessage());
        assertThrows(DatasetException.class, () -> SyntheticShapes.builder().imageSize(4).build());
        assertThrows(DatasetException.class, () -> SyntheticShapes.builder().perClass(0).build());
    }
}
