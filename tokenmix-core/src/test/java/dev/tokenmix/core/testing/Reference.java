package dev.tokenmix.core.testing;

/**
 * PyTorch semantics written as plain Java loops, to check the facade's forward results against. Each method
 * follows the documented PyTorch rule named in its comment, not the facade's implementation.
 */
public final class Reference {
    private Reference() {
    }

    // ------------------------------------------------------------------ scalar functions

    /** erf: Taylor series for |x| <= 3 (cancellation below 1e-13), a continued fraction for erfc beyond. */
    public static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a <= 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double k = a;
            for (int n = 80; n >= 1; n--) {
                k = a + (n / 2.0) / k;
            }
            r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * k);
        }
        return x < 0 ? -r : r;
    }

    /** PyTorch's {@code nn.GELU()}: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** The sigmoid approximation SameDiff's own gelu computes, {@code x sigmoid(1.702 x)}. */
    public static double geluSigmoidApprox(double x) {
        return x / (1 + Math.exp(-1.702 * x));
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    // ------------------------------------------------------------------ dense layers

    /** {@code nn.Linear}: {@code y = x W^T + b} over the last axis, {@code w [out, in]}. */
    public static Dense linear(Dense x, Dense w, double[] b) {
        int in = w.dim(1);
        int out = w.dim(0);
        int rows = x.v.length / in;
        int[] shape = x.shape.clone();
        shape[shape.length - 1] = out;
        Dense y = new Dense(shape);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += x.v[r * in + i] * w.v[o * in + i];
                }
                y.v[r * out + o] = s;
            }
        }
        return y;
    }

    /** Softmax over the last axis. */
    public static Dense softmaxLast(Dense x) {
        int n = x.shape[x.shape.length - 1];
        Dense y = new Dense(x.shape);
        for (int r = 0; r < x.v.length / n; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                m = Math.max(m, x.v[r * n + i]);
            }
            double s = 0;
            for (int i = 0; i < n; i++) {
                y.v[r * n + i] = Math.exp(x.v[r * n + i] - m);
                s += y.v[r * n + i];
            }
            for (int i = 0; i < n; i++) {
                y.v[r * n + i] /= s;
            }
        }
        return y;
    }

    /** {@code nn.LayerNorm} over the last axis: biased variance, epsilon inside the square root. */
    public static Dense layerNormLast(Dense x, double[] w, double[] b, double eps) {
        int n = x.shape[x.shape.length - 1];
        Dense y = new Dense(x.shape);
        for (int r = 0; r < x.v.length / n; r++) {
            double m = 0;
            for (int i = 0; i < n; i++) {
                m += x.v[r * n + i];
            }
            m /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double d = x.v[r * n + i] - m;
                var += d * d;
            }
            var /= n;
            for (int i = 0; i < n; i++) {
                y.v[r * n + i] = (x.v[r * n + i] - m) / Math.sqrt(var + eps) * (w == null ? 1 : w[i])
                        + (b == null ? 0 : b[i]);
            }
        }
        return y;
    }

    // ------------------------------------------------------------------ convolution and pooling (NCHW)

    /**
     * {@code nn.Conv2d} with a PyTorch weight {@code [O, C/groups, kH, kW]}: output channel o reads input
     * channels of group {@code o / (O/groups)}.
     */
    public static Dense conv2d(Dense x, Dense w, double[] bias, int[] stride, int[] pad, int[] dil, int groups) {
        int bN = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int wd = x.dim(3);
        int o = w.dim(0);
        int cg = w.dim(1);
        int kh = w.dim(2);
        int kw = w.dim(3);
        int oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1;
        int ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1;
        if (cg * groups != c) {
            throw new IllegalArgumentException("weight does not fit input");
        }
        int og = o / groups;
        Dense y = new Dense(bN, o, oh, ow);
        for (int b = 0; b < bN; b++) {
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias[oc];
                        for (int ic = 0; ic < cg; ic++) {
                            for (int u = 0; u < kh; u++) {
                                int yy = i * stride[0] - pad[0] + u * dil[0];
                                if (yy < 0 || yy >= h) {
                                    continue;
                                }
                                for (int t = 0; t < kw; t++) {
                                    int xx = j * stride[1] - pad[1] + t * dil[1];
                                    if (xx < 0 || xx >= wd) {
                                        continue;
                                    }
                                    s += x.get(b, g * cg + ic, yy, xx) * w.get(oc, ic, u, t);
                                }
                            }
                        }
                        y.set(s, b, oc, i, j);
                    }
                }
            }
        }
        return y;
    }

    /**
     * {@code nn.AvgPool2d(k, s, p, count_include_pad)} (floor mode): the window is clipped to the padded input
     * for the divisor when padding counts, to the input when it does not.
     */
    public static Dense avgPool2d(Dense x, int k, int s, int p, boolean countIncludePad) {
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        Dense y = new Dense(x.dim(0), x.dim(1), oh, ow);
        for (int b = 0; b < x.dim(0); b++) {
            for (int c = 0; c < x.dim(1); c++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int h0 = i * s - p;
                        int w0 = j * s - p;
                        int h1 = Math.min(h0 + k, h + p);
                        int w1 = Math.min(w0 + k, w + p);
                        int padded = (h1 - h0) * (w1 - w0);
                        h0 = Math.max(h0, 0);
                        w0 = Math.max(w0, 0);
                        h1 = Math.min(h1, h);
                        w1 = Math.min(w1, w);
                        double sum = 0;
                        for (int u = h0; u < h1; u++) {
                            for (int t = w0; t < w1; t++) {
                                sum += x.get(b, c, u, t);
                            }
                        }
                        int div = countIncludePad ? padded : (h1 - h0) * (w1 - w0);
                        y.set(sum / div, b, c, i, j);
                    }
                }
            }
        }
        return y;
    }

    /** {@code nn.MaxPool2d(k, s, p)} (floor mode, padding never wins). */
    public static Dense maxPool2d(Dense x, int k, int s, int p) {
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        Dense y = new Dense(x.dim(0), x.dim(1), oh, ow);
        for (int b = 0; b < x.dim(0); b++) {
            for (int c = 0; c < x.dim(1); c++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int u = Math.max(0, i * s - p); u < Math.min(h, i * s - p + k); u++) {
                            for (int t = Math.max(0, j * s - p); t < Math.min(w, j * s - p + k); t++) {
                                m = Math.max(m, x.get(b, c, u, t));
                            }
                        }
                        y.set(m, b, c, i, j);
                    }
                }
            }
        }
        return y;
    }

    /** {@code adaptive_avg_pool2d}: cell i averages rows {@code floor(i*H/oh) .. ceil((i+1)*H/oh)-1}. */
    public static Dense adaptiveAvgPool2d(Dense x, int oh, int ow) {
        int h = x.dim(2);
        int w = x.dim(3);
        Dense y = new Dense(x.dim(0), x.dim(1), oh, ow);
        for (int b = 0; b < x.dim(0); b++) {
            for (int c = 0; c < x.dim(1); c++) {
                for (int i = 0; i < oh; i++) {
                    int h0 = (int) Math.floor((double) i * h / oh);
                    int h1 = (int) Math.ceil((double) (i + 1) * h / oh);
                    for (int j = 0; j < ow; j++) {
                        int w0 = (int) Math.floor((double) j * w / ow);
                        int w1 = (int) Math.ceil((double) (j + 1) * w / ow);
                        double sum = 0;
                        for (int u = h0; u < h1; u++) {
                            for (int t = w0; t < w1; t++) {
                                sum += x.get(b, c, u, t);
                            }
                        }
                        y.set(sum / ((h1 - h0) * (w1 - w0)), b, c, i, j);
                    }
                }
            }
        }
        return y;
    }

    /**
     * {@code F.interpolate(mode="bilinear", align_corners=False)} to a given size: source coordinate
     * {@code (dst + 0.5) * in/out - 0.5} clamped below at 0, neighbours {@code i0} and {@code min(i0+1, in-1)}.
     */
    public static Dense bilinear(Dense x, int oh, int ow) {
        int h = x.dim(2);
        int w = x.dim(3);
        Dense y = new Dense(x.dim(0), x.dim(1), oh, ow);
        for (int b = 0; b < x.dim(0); b++) {
            for (int c = 0; c < x.dim(1); c++) {
                for (int i = 0; i < oh; i++) {
                    double sy = Math.max(0, (i + 0.5) * h / oh - 0.5);
                    int y0 = (int) Math.floor(sy);
                    int y1 = Math.min(y0 + 1, h - 1);
                    double ly = sy - y0;
                    for (int j = 0; j < ow; j++) {
                        double sx = Math.max(0, (j + 0.5) * w / ow - 0.5);
                        int x0 = (int) Math.floor(sx);
                        int x1 = Math.min(x0 + 1, w - 1);
                        double lx = sx - x0;
                        double val = (1 - ly) * ((1 - lx) * x.get(b, c, y0, x0) + lx * x.get(b, c, y0, x1))
                                + ly * ((1 - lx) * x.get(b, c, y1, x0) + lx * x.get(b, c, y1, x1));
                        y.set(val, b, c, i, j);
                    }
                }
            }
        }
        return y;
    }

    // ------------------------------------------------------------------ attention

    /**
     * {@code nn.MultiheadAttention(E, heads)} with batch-first inputs: q/k/v projections are the three row
     * blocks of {@code in_proj_weight}, head h owns features {@code h*d .. (h+1)*d-1}, scores are scaled by
     * {@code 1/sqrt(d)}, heads are concatenated and passed through {@code out_proj}.
     */
    public static Dense multiheadAttention(Dense query, Dense key, Dense value, Dense inW, double[] inB, Dense outW,
                                           double[] outB, int heads) {
        int e = outW.dim(0);
        Dense[] w = new Dense[3];
        double[][] bs = new double[3][];
        for (int p = 0; p < 3; p++) {
            w[p] = new Dense(e, e);
            bs[p] = new double[e];
            System.arraycopy(inW.v, p * e * e, w[p].v, 0, e * e);
            System.arraycopy(inB, p * e, bs[p], 0, e);
        }
        Dense q = linear(query, w[0], bs[0]);
        Dense k = linear(key, w[1], bs[1]);
        Dense v = linear(value, w[2], bs[2]);
        return linear(attend(q, k, v, heads), outW, outB);
    }

    /**
     * timm's {@code Attention}: {@code qkv(x)} reshaped to {@code [B, N, 3, H, d]}, so q, k, v are the three
     * consecutive C-blocks of the qkv output and head h owns features {@code h*d ..} of each.
     */
    public static Dense timmAttention(Dense x, Dense qkvW, double[] qkvB, Dense projW, double[] projB, int heads) {
        int bN = x.dim(0);
        int n = x.dim(1);
        int c = x.dim(2);
        Dense qkv = linear(x, qkvW, qkvB);
        Dense q = new Dense(bN, n, c);
        Dense k = new Dense(bN, n, c);
        Dense v = new Dense(bN, n, c);
        for (int b = 0; b < bN; b++) {
            for (int t = 0; t < n; t++) {
                for (int f = 0; f < c; f++) {
                    q.set(qkv.get(b, t, f), b, t, f);
                    k.set(qkv.get(b, t, c + f), b, t, f);
                    v.set(qkv.get(b, t, 2 * c + f), b, t, f);
                }
            }
        }
        return linear(attend(q, k, v, heads), projW, projB);
    }

    /** Per-head {@code softmax(q k^T / sqrt(d)) v} on {@code [B, L, H*d]} projections, heads concatenated. */
    private static Dense attend(Dense q, Dense k, Dense v, int heads) {
        int bN = q.dim(0);
        int lq = q.dim(1);
        int lk = k.dim(1);
        int e = q.dim(2);
        int d = e / heads;
        double scale = 1 / Math.sqrt(d);
        Dense out = new Dense(bN, lq, e);
        for (int b = 0; b < bN; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < lq; i++) {
                    double[] s = new double[lk];
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double dot = 0;
                        for (int f = 0; f < d; f++) {
                            dot += q.get(b, i, h * d + f) * k.get(b, j, h * d + f);
                        }
                        s[j] = dot * scale;
                        m = Math.max(m, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < lk; j++) {
                        s[j] = Math.exp(s[j] - m);
                        z += s[j];
                    }
                    for (int f = 0; f < d; f++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            acc += s[j] / z * v.get(b, j, h * d + f);
                        }
                        out.set(acc, b, i, h * d + f);
                    }
                }
            }
        }
        return out;
    }
}
