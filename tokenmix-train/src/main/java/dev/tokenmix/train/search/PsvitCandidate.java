package dev.tokenmix.train.search;

import dev.tokenmix.models.psvit.PsvitConfig;

/**
 * One point of PSViT's configuration search: a name that identifies it across runs (the key of a resumed CSV) and
 * the configuration it builds.
 *
 * @param name stable identifier, {@code pool<first>-<second>_share<g>}
 * @param config the PSViT configuration with this candidate's pooling positions and sharing
 */
public record PsvitCandidate(String name, PsvitConfig config) {
}
