package dev.tokenmix.train.data;

import java.util.Locale;

/** Which half of a dataset: the training images or the held-out validation images. */
public enum Split {
    TRAIN("train"),
    VAL("val");

    private final String folder;

    Split(String folder) {
        this.folder = folder;
    }

    /** The conventional folder name of the split in an ImageFolder tree ({@code train}, {@code val}). */
    public String folder() {
        return folder;
    }

    /** Parses {@code train}, {@code val}, {@code validation} or {@code test} (case-insensitive). */
    public static Split of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "train", "training" -> TRAIN;
            case "val", "validation", "test", "eval" -> VAL;
            default -> throw new IllegalArgumentException("unknown split '" + name + "'; use train or val");
        };
    }
}
