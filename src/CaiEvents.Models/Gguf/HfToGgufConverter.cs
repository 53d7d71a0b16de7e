using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// Converts a Hugging Face checkpoint directory (model_type gpt2, llama, mistral, qwen2, qwen3) into a GGUF file that
/// llama.cpp loads, following llama.cpp's public naming and metadata conventions. Tensors are streamed one at a time.
/// For arch "llama" (llama and mistral), llama.cpp's rope rotates adjacent pairs where HF's rotates the two halves of a
/// head, so q/k rows are reordered; qwen2/qwen3 use the half-split (NEOX) rope in llama.cpp and are copied as they are.
/// </summary>
public static class HfToGgufConverter
{
    public const string ConfigFileName = "config.json";

    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["gpt2", "llama", "mistral", "qwen2", "qwen3"];

    /// <summary>Writes <paramref name="outFile"/> (replaced atomically) from <paramref name="hfDirectory"/>.</summary>
    /// <returns>The header of the written file.</returns>
    /// <exception cref="CheckpointFormatException">A missing or malformed file, an unsupported model_type or option.</exception>
    public static GgufFile Convert(string hfDirectory, string outFile, GgufFileType fileType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hfDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(outFile);
        if (!Directory.Exists(hfDirectory))
        {
            throw new CheckpointFormatException(hfDirectory, null, "model directory not found");
        }
        var configPath = Path.Combine(hfDirectory, ConfigFileName);
        var config = ReadConfig(configPath);
        var modelType = (string?)config["model_type"] ?? "gpt2";
        var source = SafeTensorsTensorSource.Open(hfDirectory);
        var plan = modelType switch
        {
            "gpt2" => Gpt2Plan(config, configPath, source),
            "llama" or "mistral" => LlamaFamilyPlan("llama", config, configPath, source, permuteQk: true),
            "qwen2" or "qwen3" => LlamaFamilyPlan(modelType, config, configPath, source, permuteQk: false),
            _ => throw new CheckpointFormatException(configPath, null,
                $"model_type '{modelType}' cannot be converted to GGUF; supported: {string.Join(", ", SupportedModelTypes)}"),
        };
        var leftOver = source.Names.Where(n => !plan.Used.Contains(n) && !Ignorable(n)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (leftOver is not null)
        {
            throw new CheckpointFormatException(hfDirectory, leftOver, $"tensor has no GGUF counterpart for model_type '{modelType}'");
        }
        var tokenizer = GgufTokenizerMetadata.Read(hfDirectory, plan.VocabSize, config);

        var directory = Path.GetDirectoryName(Path.GetFullPath(outFile))!;
        Directory.CreateDirectory(directory);
        var temp = outFile + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new GgufWriter(stream))
        {
            writer.AddMetadata("general.architecture", GgufMetadataValue.String(plan.Architecture));
            writer.AddMetadata("general.name", GgufMetadataValue.String(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(hfDirectory)))));
            writer.AddMetadata("general.file_type", GgufMetadataValue.UInt32((uint)fileType));
            foreach (var (key, value) in plan.Metadata)
            {
                writer.AddMetadata($"{plan.Architecture}.{key}", value);
            }
            tokenizer.AddTo(writer);
            foreach (var tensor in plan.Tensors)
            {
                var type = fileType == GgufFileType.F16 && tensor.Shape.Length >= 2 && !tensor.KeepF32 ? GgmlType.F16 : GgmlType.F32;
                writer.AddTensor(tensor.Name, tensor.Shape, type);
            }
            writer.WriteHeader();
            foreach (var tensor in plan.Tensors)
            {
                writer.WriteTensorData(tensor.Read());
            }
            writer.Finish();
        }
        File.Move(temp, outFile, overwrite: true);
        return GgufReader.ReadHeader(outFile);
    }

    /// <summary>
    /// The llama.cpp frequency divisors of Llama 3's rope scaling, one per rotated pair: 1 for short wavelengths,
    /// <paramref name="factor"/> for long ones, and a smooth blend between the two bands (as HF's llama3 rope init).
    /// </summary>
    public static float[] Llama3RopeFrequencyDivisors(
        int headDim, double ropeTheta, double factor, double lowFreqFactor, double highFreqFactor, int originalContext)
    {
        var lowFreqWavelength = originalContext / lowFreqFactor;
        var highFreqWavelength = originalContext / highFreqFactor;
        var divisors = new float[headDim / 2];
        for (var i = 0; i < divisors.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(ropeTheta, 2.0 * i / headDim);
            var wavelength = 2 * Math.PI / frequency;
            double divisor;
            if (wavelength < highFreqWavelength)
            {
                divisor = 1;
            }
            else if (wavelength > lowFreqWavelength)
            {
                divisor = factor;
            }
            else
            {
                var smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                divisor = 1 / ((1 - smooth) / factor + smooth);
            }
            divisors[i] = (float)divisor;
        }
        return divisors;
    }

    /// <summary>
    /// Reorders the rows of a q or k projection ([heads·d, in], or a bias [heads·d]) from HF's half-split rope layout
    /// to llama.cpp's adjacent-pair layout: per head, row t·d/2 + j moves to row 2j + t.
    /// </summary>
    public static float[] PermuteForAdjacentPairRope(float[] values, int heads, int rows)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows % heads != 0 || (rows / heads) % 2 != 0 || values.Length % rows != 0)
        {
            throw new ArgumentException($"Cannot split {rows} rows into {heads} heads of even size.");
        }
        var headDim = rows / heads;
        var half = headDim / 2;
        var columns = values.Length / rows;
        var result = new float[values.Length];
        for (var h = 0; h < heads; h++)
        {
            for (var t = 0; t < 2; t++)
            {
                for (var j = 0; j < half; j++)
                {
                    var from = (h * headDim + t * half + j) * columns;
                    var to = (h * headDim + 2 * j + t) * columns;
                    Array.Copy(values, from, result, to, columns);
                }
            }
        }
        return result;
    }

    private static bool Ignorable(string name) =>
        name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
        || name.EndsWith(".attn.bias", StringComparison.Ordinal)
        || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal);

    private static Plan Gpt2Plan(JsonObject config, string configPath, SafeTensorsTensorSource source)
    {
        var activation = (string?)config["activation_function"] ?? "gelu_new";
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh" or "gelu_fast"))
        {
            // llama.cpp's gpt2 graph uses the tanh GELU; an erf GELU model would convert but compute something else.
            throw new CheckpointFormatException(configPath, null, $"activation_function '{activation}' differs from llama.cpp's tanh GELU for gpt2");
        }
        var embd = Int(config, "n_embd", configPath);
        var layers = Int(config, "n_layer", configPath);
        var plan = new Plan("gpt2", Int(config, "vocab_size", configPath), source);
        var context = Int(config, "n_positions", configPath);
        plan.Metadata.Add(("context_length", GgufMetadataValue.UInt32((uint)context)));
        plan.Metadata.Add(("embedding_length", GgufMetadataValue.UInt32((uint)embd)));
        plan.Metadata.Add(("feed_forward_length", GgufMetadataValue.UInt32((uint)(OptionalInt(config, "n_inner", configPath) ?? 4 * embd))));
        plan.Metadata.Add(("block_count", GgufMetadataValue.UInt32((uint)layers)));
        plan.Metadata.Add(("attention.head_count", GgufMetadataValue.UInt32((uint)Int(config, "n_head", configPath))));
        plan.Metadata.Add(("attention.layer_norm_epsilon", GgufMetadataValue.Float32((float)Double(config, "layer_norm_epsilon", 1e-5, configPath))));
        var prefix = source.Contains("transformer.wte.weight") ? "transformer." : "";
        plan.Copy("token_embd.weight", prefix + "wte.weight");
        plan.Copy("position_embd.weight", prefix + "wpe.weight");
        for (var i = 0; i < layers; i++)
        {
            var hf = $"{prefix}h.{i}.";
            var gg = $"blk.{i}.";
            plan.Copy(gg + "attn_norm.weight", hf + "ln_1.weight");
            plan.Copy(gg + "attn_norm.bias", hf + "ln_1.bias");
            plan.Transposed(gg + "attn_qkv.weight", hf + "attn.c_attn.weight");
            plan.Copy(gg + "attn_qkv.bias", hf + "attn.c_attn.bias");
            plan.Transposed(gg + "attn_output.weight", hf + "attn.c_proj.weight");
            plan.Copy(gg + "attn_output.bias", hf + "attn.c_proj.bias");
            plan.Copy(gg + "ffn_norm.weight", hf + "ln_2.weight");
            plan.Copy(gg + "ffn_norm.bias", hf + "ln_2.bias");
            plan.Transposed(gg + "ffn_up.weight", hf + "mlp.c_fc.weight");
            plan.Copy(gg + "ffn_up.bias", hf + "mlp.c_fc.bias");
            plan.Transposed(gg + "ffn_down.weight", hf + "mlp.c_proj.weight");
            plan.Copy(gg + "ffn_down.bias", hf + "mlp.c_proj.bias");
        }
        plan.Copy("output_norm.weight", prefix + "ln_f.weight");
        plan.Copy("output_norm.bias", prefix + "ln_f.bias");
        // GPT-2 ties its head to wte; the file carries the head explicitly, as llama.cpp's own converter writes it.
        plan.Copy("output.weight", source.Contains("lm_head.weight") ? "lm_head.weight" : prefix + "wte.weight");
        return plan;
    }

    private static Plan LlamaFamilyPlan(string arch, JsonObject config, string configPath, SafeTensorsTensorSource source, bool permuteQk)
    {
        var hidden = Int(config, "hidden_size", configPath);
        var layers = Int(config, "num_hidden_layers", configPath);
        var heads = Int(config, "num_attention_heads", configPath);
        var kvHeads = OptionalInt(config, "num_key_value_heads", configPath) ?? heads;
        var explicitHeadDim = OptionalInt(config, "head_dim", configPath);
        var headDim = explicitHeadDim ?? hidden / heads;
        var ropeTheta = Double(config, "rope_theta", 10000, configPath);
        var vocabSize = Int(config, "vocab_size", configPath);
        var plan = new Plan(arch, vocabSize, source);
        plan.Metadata.Add(("context_length", GgufMetadataValue.UInt32((uint)Int(config, "max_position_embeddings", configPath))));
        plan.Metadata.Add(("embedding_length", GgufMetadataValue.UInt32((uint)hidden)));
        plan.Metadata.Add(("block_count", GgufMetadataValue.UInt32((uint)layers)));
        plan.Metadata.Add(("feed_forward_length", GgufMetadataValue.UInt32((uint)Int(config, "intermediate_size", configPath))));
        plan.Metadata.Add(("attention.head_count", GgufMetadataValue.UInt32((uint)heads)));
        plan.Metadata.Add(("attention.head_count_kv", GgufMetadataValue.UInt32((uint)kvHeads)));
        plan.Metadata.Add(("attention.layer_norm_rms_epsilon", GgufMetadataValue.Float32((float)Double(config, "rms_norm_eps", 1e-6, configPath))));
        plan.Metadata.Add(("rope.freq_base", GgufMetadataValue.Float32((float)ropeTheta)));
        plan.Metadata.Add(("rope.dimension_count", GgufMetadataValue.UInt32((uint)headDim)));
        if (explicitHeadDim is not null)
        {
            plan.Metadata.Add(("attention.key_length", GgufMetadataValue.UInt32((uint)headDim)));
            plan.Metadata.Add(("attention.value_length", GgufMetadataValue.UInt32((uint)headDim)));
        }
        plan.Metadata.Add(("vocab_size", GgufMetadataValue.UInt32((uint)vocabSize)));

        plan.Copy("token_embd.weight", "model.embed_tokens.weight");
        if (config["rope_scaling"] is JsonObject scaling)
        {
            var type = (string?)scaling["rope_type"] ?? (string?)scaling["type"];
            var factor = Double(scaling, "factor", 1, configPath);
            switch (type)
            {
                case "linear":
                    plan.Metadata.Add(("rope.scaling.type", GgufMetadataValue.String("linear")));
                    plan.Metadata.Add(("rope.scaling.factor", GgufMetadataValue.Float32((float)factor)));
                    break;
                case "llama3":
                    var divisors = Llama3RopeFrequencyDivisors(headDim, ropeTheta, factor,
                        Double(scaling, "low_freq_factor", 1, configPath), Double(scaling, "high_freq_factor", 4, configPath),
                        Int(scaling, "original_max_position_embeddings", configPath));
                    plan.Add("rope_freqs.weight", [divisors.Length], () => divisors, keepF32: true);
                    break;
                case "default" or null:
                    break;
                default:
                    throw new CheckpointFormatException(configPath, null, $"rope_scaling type '{type}' cannot be converted (supported: linear, llama3)");
            }
        }
        for (var i = 0; i < layers; i++)
        {
            var hf = $"model.layers.{i}.";
            var gg = $"blk.{i}.";
            plan.Copy(gg + "attn_norm.weight", hf + "input_layernorm.weight");
            foreach (var (projection, name, projectionHeads) in new[] { ("q_proj", "attn_q", heads), ("k_proj", "attn_k", kvHeads), ("v_proj", "attn_v", 0) })
            {
                foreach (var part in new[] { "weight", "bias" })
                {
                    var hfName = $"{hf}self_attn.{projection}.{part}";
                    if (part == "bias" && !source.Contains(hfName))
                    {
                        continue;
                    }
                    if (permuteQk && projectionHeads > 0)
                    {
                        var rows = (int)source.Shape(hfName)[0];
                        plan.Add($"{gg}{name}.{part}", source.Shape(hfName),
                            () => PermuteForAdjacentPairRope(source.ReadFloats(hfName), projectionHeads, rows), used: hfName);
                    }
                    else
                    {
                        plan.Copy($"{gg}{name}.{part}", hfName);
                    }
                }
            }
            plan.Copy(gg + "attn_output.weight", hf + "self_attn.o_proj.weight");
            plan.CopyIfPresent(gg + "attn_output.bias", hf + "self_attn.o_proj.bias");
            plan.CopyIfPresent(gg + "attn_q_norm.weight", hf + "self_attn.q_norm.weight");
            plan.CopyIfPresent(gg + "attn_k_norm.weight", hf + "self_attn.k_norm.weight");
            plan.Copy(gg + "ffn_norm.weight", hf + "post_attention_layernorm.weight");
            plan.Copy(gg + "ffn_gate.weight", hf + "mlp.gate_proj.weight");
            plan.Copy(gg + "ffn_up.weight", hf + "mlp.up_proj.weight");
            plan.Copy(gg + "ffn_down.weight", hf + "mlp.down_proj.weight");
        }
        plan.Copy("output_norm.weight", "model.norm.weight");
        var tied = config["tie_word_embeddings"]?.GetValue<bool>() ?? false;
        if (tied || !source.Contains("lm_head.weight"))
        {
            // llama.cpp reuses token_embd as the head when output.weight is absent.
            plan.MarkUsed("lm_head.weight");
        }
        else
        {
            plan.Copy("output.weight", "lm_head.weight");
        }
        return plan;
    }

    private static JsonObject ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "file not found");
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointFormatException(path, null, "config is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, null, $"invalid JSON ({e.Message})");
        }
    }

    private static int Int(JsonObject json, string key, string path) =>
        OptionalInt(json, key, path) ?? throw new CheckpointFormatException(path, null, $"missing required key '{key}'");

    private static int? OptionalInt(JsonObject json, string key, string path)
    {
        var node = json[key];
        if (node is null)
        {
            return null;
        }
        var value = node.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>() : double.NaN;
        return value == Math.Floor(value) && value is >= 0 and <= int.MaxValue
            ? (int)value
            : throw new CheckpointFormatException(path, null, $"key '{key}' has value {node.ToJsonString()}, expected a non-negative integer");
    }

    private static double Double(JsonObject json, string key, double fallback, string path)
    {
        var node = json[key];
        if (node is null)
        {
            return fallback;
        }
        return node.GetValueKind() == JsonValueKind.Number
            ? node.GetValue<double>()
            : throw new CheckpointFormatException(path, null, $"key '{key}' has value {node.ToJsonString()}, expected a number");
    }

    /// <summary>The tensors to write (in order, each read lazily), the architecture's metadata, and which HF tensors they use.</summary>
    private sealed class Plan(string architecture, int vocabSize, SafeTensorsTensorSource source)
    {
        public string Architecture { get; } = architecture;

        public int VocabSize { get; } = vocabSize;

        public List<(string Key, GgufMetadataValue Value)> Metadata { get; } = [];

        public List<(string Name, long[] Shape, Func<float[]> Read, bool KeepF32)> Tensors { get; } = [];

        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);

        public void Add(string name, long[] shape, Func<float[]> read, bool keepF32 = false, string? used = null)
        {
            Tensors.Add((name, shape, read, keepF32));
            if (used is not null)
            {
                Used.Add(used);
            }
        }

        public void MarkUsed(string hfName) => Used.Add(hfName);

        public void Copy(string name, string hfName)
        {
            Require(hfName);
            Add(name, source.Shape(hfName), () => source.ReadFloats(hfName), used: hfName);
        }

        public void CopyIfPresent(string name, string hfName)
        {
            if (source.Contains(hfName))
            {
                Copy(name, hfName);
            }
        }

        /// <summary>A Conv1D weight stored [in, out], written as the [out, in] matrix llama.cpp multiplies by.</summary>
        public void Transposed(string name, string hfName)
        {
            Require(hfName);
            var shape = source.Shape(hfName);
            if (shape.Length != 2)
            {
                throw new CheckpointFormatException(source.Directory, hfName, $"expected a matrix, got shape [{string.Join(", ", shape)}]");
            }
            Add(name, [shape[1], shape[0]], () => Transpose(source.ReadFloats(hfName), (int)shape[0], (int)shape[1]), used: hfName);
        }

        private void Require(string hfName)
        {
            if (!source.Contains(hfName))
            {
                throw new CheckpointFormatException(source.Directory, hfName, $"missing from the checkpoint (needed by the {Architecture} GGUF layout)");
            }
        }

        private static float[] Transpose(float[] values, int rows, int columns)
        {
            var result = new float[values.Length];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    result[c * rows + r] = values[r * columns + c];
                }
            }
            return result;
        }
    }
}
