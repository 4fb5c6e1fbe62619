package dev.tokenmix.cli;

import dev.tokenmix.models.AssignmentMap;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * The figure of {@code tokenmix visualize}: the input and, beside it, one panel per stage colouring every grid
 * position by its most likely group (cluster, slot) over the greyed input, with a colour strip of the stage's groups
 * under each panel. An {@link AssignmentMap.Kind#INTENSITY} map (STT's super-token attention) is drawn as a heat map
 * instead, titled with the producing module's path: one colour whose strength follows the position's weight relative
 * to the panel's largest, with a ramp from 0 to that largest weight under the panel.
 *
 * <p>Layout, in pixels, for {@code n} stages and panel side {@code P}: width {@code (n + 1)·P + (n + 2)·GAP}, height
 * {@code GAP + TITLE + P + LEGEND + FOOTER + GAP}.
 */
final class AssignmentFigure {
    /** Space between and around panels. */
    static final int GAP = 8;
    /** Band above the panels for their titles. */
    static final int TITLE = 18;
    /** Band under each panel: the colour strip of its groups and their index range. */
    static final int LEGEND = 34;
    /** Band at the bottom: how to read the colours. */
    static final int FOOTER = 16;

    /** The colour of an intensity map at full strength. */
    static final Color HEAT = new Color(230, 70, 20);

    private static final double GOLDEN_ANGLE = 0.381966;

    private AssignmentFigure() {
    }

    /** Width of a figure with {@code stages} stage panels of side {@code panel}. */
    static int width(int stages, int panel) {
        return (stages + 1) * panel + (stages + 2) * GAP;
    }

    /** Height of a figure with panels of side {@code panel}. */
    static int height(int panel) {
        return GAP + TITLE + panel + LEGEND + FOOTER + GAP;
    }

    /**
     * Draws the figure of image 0 of {@code maps} over {@code input} (the model's view of the image, RGB, square).
     *
     * @param soft whether the colour's strength follows the position's weight on its group (weak where the
     *     assignment is spread out) rather than being uniform
     */
    static BufferedImage draw(BufferedImage input, List<AssignmentMap> maps, int panel, boolean soft, String caption) {
        int n = maps.size();
        BufferedImage fig = new BufferedImage(width(n, panel), height(panel), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = fig.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, fig.getWidth(), fig.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int top = GAP + TITLE;
        g.drawImage(scaled(input, panel), GAP, top, null);
        title(g, "input", GAP, panel);
        text(g, caption, GAP, top + panel + 14, panel);
        boolean groups = false;
        String shown = null;
        for (int i = 0; i < n; i++) {
            AssignmentMap m = maps.get(i);
            int x = GAP + (i + 1) * (panel + GAP);
            if (m.kind() == AssignmentMap.Kind.INTENSITY) {
                float max = maxOfFirst(m);
                g.drawImage(heat(input, m, max, panel), x, top, null);
                title(g, String.format(Locale.ROOT, "%s, %dx%d", m.module(), m.height(), m.width()), x, panel);
                ramp(g, x, top + panel + 4, panel);
                text(g, String.format(Locale.ROOT, "0 .. %.3g", max), x, top + panel + 28, panel);
                shown = m.group();
                continue;
            }
            groups = true;
            BufferedImage p = overlay(input, m, panel, soft);
            g.drawImage(p, x, top, null);
            title(g, String.format(Locale.ROOT, "stage %d: %d %ss, %dx%d", m.stage() + 1, m.groups(), m.group(),
                    m.height(), m.width()), x, panel);
            strip(g, (int) m.groups(), x, top + panel + 4, panel);
            text(g, "0 .. " + (m.groups() - 1) + "  " + m.module(), x, top + panel + 28, panel);
        }
        g.setColor(Color.DARK_GRAY);
        String legend = !groups && shown != null ? shown + ": strength relative to the panel's largest weight"
                : soft ? "colour: most likely group of each position; strength: its weight"
                : "colour: most likely group of each position (--soft: strength follows its weight)";
        g.drawString(legend, GAP, fig.getHeight() - GAP - 4);
        g.dispose();
        return fig;
    }

    /** The categorical colour of group {@code k}: golden-angle hues, alternating lightness, distinct for any K. */
    static Color colour(int k) {
        float hue = (float) ((k * GOLDEN_ANGLE) % 1.0);
        float sat = k % 3 == 1 ? 0.55f : 0.85f;
        float bri = k % 2 == 0 ? 0.95f : 0.70f;
        return Color.getHSBColor(hue, sat, bri);
    }

    private static BufferedImage overlay(BufferedImage input, AssignmentMap m, int panel, boolean soft) {
        BufferedImage base = scaled(input, panel);
        long k = m.groups();
        long h = m.height();
        long w = m.width();
        // [K, H, W] of image 0 as a flat row-major copy
        float[] weights = m.weights().slice(0).dup().data().asFloat();
        BufferedImage out = new BufferedImage(panel, panel, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < panel; y++) {
            long gy = Math.min(h - 1, (long) y * h / panel);
            for (int x = 0; x < panel; x++) {
                long gx = Math.min(w - 1, (long) x * w / panel);
                int best = 0;
                float bestW = -1;
                for (int c = 0; c < k; c++) {
                    float v = weights[(int) ((c * h + gy) * w + gx)];
                    if (v > bestW) {
                        bestW = v;
                        best = c;
                    }
                }
                double alpha = 0.6;
                if (soft) {
                    // 0 at a uniform assignment (1/K), 1 when the position belongs to one group alone
                    double sure = k == 1 ? 1 : (bestW - 1.0 / k) / (1 - 1.0 / k);
                    alpha = 0.85 * Math.max(0, Math.min(1, sure));
                }
                int rgb = base.getRGB(x, y);
                double grey = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
                Color c = colour(best);
                out.setRGB(x, y, mix(c.getRed(), grey, alpha) << 16 | mix(c.getGreen(), grey, alpha) << 8
                        | mix(c.getBlue(), grey, alpha));
            }
        }
        return out;
    }

    private static float maxOfFirst(AssignmentMap m) {
        return m.weights().slice(0).maxNumber().floatValue();
    }

    /** Image 0 of an intensity map {@code [B, 1, H, W]} over the greyed input, strength {@code weight / max}. */
    private static BufferedImage heat(BufferedImage input, AssignmentMap m, float max, int panel) {
        BufferedImage base = scaled(input, panel);
        long h = m.height();
        long w = m.width();
        // [1, H, W] of image 0 as a flat row-major copy
        float[] weights = m.weights().slice(0).dup().data().asFloat();
        BufferedImage out = new BufferedImage(panel, panel, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < panel; y++) {
            long gy = Math.min(h - 1, (long) y * h / panel);
            for (int x = 0; x < panel; x++) {
                long gx = Math.min(w - 1, (long) x * w / panel);
                float v = weights[(int) (gy * w + gx)];
                double alpha = max > 0 ? 0.85 * Math.max(0, Math.min(1, v / max)) : 0;
                int rgb = base.getRGB(x, y);
                double grey = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
                out.setRGB(x, y, mix(HEAT.getRed(), grey, alpha) << 16 | mix(HEAT.getGreen(), grey, alpha) << 8
                        | mix(HEAT.getBlue(), grey, alpha));
            }
        }
        return out;
    }

    /** The legend of an intensity panel: from grey (weight 0) to full {@link #HEAT} (the panel's largest). */
    private static void ramp(Graphics2D g, int x, int y, int panel) {
        for (int i = 0; i < panel; i++) {
            double alpha = 0.85 * i / Math.max(1, panel - 1);
            g.setColor(new Color(mix(HEAT.getRed(), 160, alpha), mix(HEAT.getGreen(), 160, alpha),
                    mix(HEAT.getBlue(), 160, alpha)));
            g.fillRect(x + i, y, 1, 10);
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(x, y, panel - 1, 10);
    }

    private static int mix(int colour, double grey, double alpha) {
        return (int) Math.round(alpha * colour + (1 - alpha) * grey);
    }

    private static BufferedImage scaled(BufferedImage img, int side) {
        BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, side, side, null);
        g.dispose();
        return out;
    }

    private static void strip(Graphics2D g, int k, int x, int y, int panel) {
        for (int c = 0; c < k; c++) {
            int x0 = x + c * panel / k;
            int x1 = x + (c + 1) * panel / k;
            g.setColor(colour(c));
            g.fillRect(x0, y, Math.max(1, x1 - x0), 10);
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(x, y, panel - 1, 10);
    }

    private static void title(Graphics2D g, String s, int x, int panel) {
        text(g, s, x, GAP + TITLE - 5, panel);
    }

    private static void text(Graphics2D g, String s, int x, int baseline, int panel) {
        g.setColor(Color.BLACK);
        String t = s;
        while (t.length() > 1 && g.getFontMetrics().stringWidth(t) > panel) {
            t = t.substring(0, t.length() - 1);
        }
        g.drawString(t, x, baseline);
    }
}
