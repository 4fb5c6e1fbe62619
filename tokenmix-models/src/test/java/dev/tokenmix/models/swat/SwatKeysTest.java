package dev.tokenmix.models.swat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.models.ModelOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The state_dict keys and PyTorch shapes outside the repeated blocks and of block 0, as printed from the official
 * models, so released SWAT weights load by name.
 */
class SwatKeysTest {

    static void assertKeys(String name, Map<String, long[]> expected) {
        ParameterStore s = SwatVariants.variant(name).create(ModelOptions.defaults()).parameters();
        TreeSet<String> actual = new TreeSet<>();
        s.entries().forEach(p -> {
            if (!p.key().startsWith("blocks.") || p.key().startsWith("blocks.0.")) {
                actual.add(p.key());
            }
        });
        assertEquals(new TreeSet<>(expected.keySet()), actual, name + " keys");
        expected.forEach((k, shape) -> assertArrayEquals(shape, s.get(k).torchShape(), name + " " + k));
    }

    static long[] s(long... shape) {
        return shape;
    }

    @Test
    void deitTinyKeysAreTheOfficialOnes() {
        Map<String, long[]> e = new LinkedHashMap<>();
        e.put("pos_embed", s(1, 196, 192));
        e.put("patch_embed.pos_embed2", s(1, 128, 8, 8));
        e.put("patch_embed.proj21.weight", s(128, 3, 4, 4));
        e.put("patch_embed.proj21.bias", s(128));
        e.put("patch_embed.proj22.weight", s(3, 128, 1, 1));
        e.put("patch_embed.proj22.bias", s(3));
        e.put("blocks.0.norm1.weight", s(192));
        e.put("blocks.0.norm1.bias", s(192));
        e.put("blocks.0.attn.qkv_linear.weight", s(576, 192));
        e.put("blocks.0.attn.qkv_linear.bias", s(576));
        e.put("blocks.0.attn.qkv.weight", s(9, 3, 3, 3));
        e.put("blocks.0.attn.qkv.bias", s(9));
        e.put("blocks.0.attn.proj.weight", s(3, 3, 3, 3));
        e.put("blocks.0.attn.proj.bias", s(3));
        e.put("blocks.0.attn.proj_linear.weight", s(192, 192));
        e.put("blocks.0.attn.proj_linear.bias", s(192));
        e.put("blocks.0.norm2.weight", s(192));
        e.put("blocks.0.norm2.bias", s(192));
        e.put("blocks.0.mlp.fc1.weight", s(768, 192, 1, 1));
        e.put("blocks.0.mlp.fc1.bias", s(768));
        e.put("blocks.0.mlp.fc3.weight", s(768, 1, 5, 5));
        e.put("blocks.0.mlp.fc3.bias", s(768));
        e.put("blocks.0.mlp.fc2.weight", s(192, 768, 1, 1));
        e.put("blocks.0.mlp.fc2.bias", s(192));
        e.put("norm.weight", s(192));
        e.put("norm.bias", s(192));
        e.put("head.weight", s(1000, 192));
        e.put("head.bias", s(1000));
        assertKeys("swat_deit_tiny_patch16_224", e);
    }

    @Test
    void mixerTinyKeysAreTheOfficialOnes() {
        Map<String, long[]> e = new LinkedHashMap<>();
        e.put("stem.proj21.weight", s(64, 3, 2, 2));
        e.put("stem.proj21.bias", s(64));
        e.put("stem.proj22.weight", s(4, 64, 1, 1));
        e.put("stem.proj22.bias", s(4));
        e.put("blocks.0.norm1.weight", s(256));
        e.put("blocks.0.norm1.bias", s(256));
        e.put("blocks.0.mlp_tokens.fc1.weight", s(128, 196, 1, 1));
        e.put("blocks.0.mlp_tokens.fc1.bias", s(128));
        e.put("blocks.0.mlp_tokens.fc3.weight", s(128, 1, 3, 3));
        e.put("blocks.0.mlp_tokens.fc3.bias", s(128));
        e.put("blocks.0.mlp_tokens.fc2.weight", s(196, 128, 1, 1));
        e.put("blocks.0.mlp_tokens.fc2.bias", s(196));
        e.put("blocks.0.norm2.weight", s(256));
        e.put("blocks.0.norm2.bias", s(256));
        e.put("blocks.0.mlp_channels.fc1.weight", s(1024, 256, 1, 1));
        e.put("blocks.0.mlp_channels.fc1.bias", s(1024));
        e.put("blocks.0.mlp_channels.fc3.weight", s(1024, 1, 5, 5));
        e.put("blocks.0.mlp_channels.fc3.bias", s(1024));
        e.put("blocks.0.mlp_channels.fc2.weight", s(256, 1024, 1, 1));
        e.put("blocks.0.mlp_channels.fc2.bias", s(256));
        e.put("norm.weight", s(256));
        e.put("norm.bias", s(256));
        e.put("head.weight", s(1000, 256));
        e.put("head.bias", s(1000));
        assertKeys("swat_mixer_tiny_patch16_224", e);
    }

    @Test
    void resmlpKeysAreTheOfficialOnes() {
        Map<String, long[]> e = new LinkedHashMap<>();
        e.put("stem.proj21.weight", s(128, 3, 2, 2));
        e.put("stem.proj21.bias", s(128));
        e.put("stem.proj22.weight", s(6, 128, 1, 1));
        e.put("stem.proj22.bias", s(6));
        e.put("blocks.0.ls1", s(384));
        e.put("blocks.0.ls2", s(384));
        e.put("blocks.0.norm1.alpha", s(1, 1, 384));
        e.put("blocks.0.norm1.beta", s(1, 1, 384));
        e.put("blocks.0.linear_tokens1.weight", s(196, 196, 1, 1));
        e.put("blocks.0.linear_tokens1.bias", s(196));
        e.put("blocks.0.linear_tokens2.weight", s(196, 1, 3, 3));
        e.put("blocks.0.linear_tokens2.bias", s(196));
        e.put("blocks.0.norm2.alpha", s(1, 1, 384));
        e.put("blocks.0.norm2.beta", s(1, 1, 384));
        e.put("blocks.0.mlp_channels.fc1.weight", s(1536, 384, 1, 1));
        e.put("blocks.0.mlp_channels.fc1.bias", s(1536));
        e.put("blocks.0.mlp_channels.fc3.weight", s(1536, 1, 5, 5));
        e.put("blocks.0.mlp_channels.fc3.bias", s(1536));
        e.put("blocks.0.mlp_channels.fc2.weight", s(384, 1536, 1, 1));
        e.put("blocks.0.mlp_channels.fc2.bias", s(384));
        e.put("norm.alpha", s(1, 1, 384));
        e.put("norm.beta", s(1, 1, 384));
        e.put("head.weight", s(1000, 384));
        e.put("head.bias", s(1000));
        assertKeys("swat_resmlp_12_224", e);
    }
}
