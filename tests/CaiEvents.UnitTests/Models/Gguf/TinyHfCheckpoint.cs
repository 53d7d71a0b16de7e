using System.Text;
using System.Text.Json.Nodes;
using CaiEvents.Models;
using CaiEvents.Models.Gguf;
using CaiEvents.Models.Tokenization;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>
/// Writes a tiny random Llama-family checkpoint in the exact Hugging Face layout (config.json, model.safetensors under HF
/// tensor names, a byte-level BPE tokenizer.json and tokenizer_config.json), one per supported model_type, each with the
/// features that set it apart: llama3 rope scaling and tied head (llama), untied head (mistral), q/k/v biases (qwen2),
/// explicit head_dim and q/k norms (qwen3).
/// </summary>
internal static class TinyHfCheckpoint
{
    public static readonly string[] LlamaFamilyTypes = ["llama", "mistral", "qwen2", "qwen3"];

    public const int Hidden = 64;
    public const int Heads = 4;
    public const int KvHeads = 2;
    public const int Layers = 2;
    public const int Intermediate = 96;
    public const int VocabSize = 272; // 256 bytes + 4 merges + 3 added tokens, padded

    private static readonly (string Left, string Right)[] MergePairs = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n")];

    public static bool IsQwen(string modelType) => modelType.StartsWith("qwen", StringComparison.Ordinal);

    public static int HeadDim(string modelType) => modelType == "qwen3" ? 32 : Hidden / Heads;

    public static bool Tied(string modelType) => modelType != "mistral";

    /// <summary>The added special tokens: bos/eos first, then a chat token.</summary>
    public static string[] SpecialTokens(string modelType) =>
        IsQwen(modelType) ? ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] : ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"];

    public static void Write(string directory, string modelType, long seed = 1)
    {
        Directory.CreateDirectory(directory);
        WriteConfig(directory, modelType);
        WriteTokenizer(directory, modelType);
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        Tensor Random(params long[] shape) => (randn(shape, generator: generator) * 0.2f).contiguous();
        Tensor Norm(long size) => (ones(size) + randn([size], generator: generator) * 0.1f).contiguous();
        var headDim = HeadDim(modelType);
        var tensors = new Dictionary<string, Tensor>
        {
            ["model.embed_tokens.weight"] = Random(VocabSize, Hidden),
            ["model.norm.weight"] = Norm(Hidden),
        };
        if (!Tied(modelType))
        {
            tensors["lm_head.weight"] = Random(VocabSize, Hidden);
        }
        for (var i = 0; i < Layers; i++)
        {
            var p = $"model.layers.{i}.";
            tensors[p + "input_layernorm.weight"] = Norm(Hidden);
            tensors[p + "post_attention_layernorm.weight"] = Norm(Hidden);
            tensors[p + "self_attn.q_proj.weight"] = Random(Heads * headDim, Hidden);
            tensors[p + "self_attn.k_proj.weight"] = Random(KvHeads * headDim, Hidden);
            tensors[p + "self_attn.v_proj.weight"] = Random(KvHeads * headDim, Hidden);
            tensors[p + "self_attn.o_proj.weight"] = Random(Hidden, Heads * headDim);
            if (modelType == "qwen2")
            {
                tensors[p + "self_attn.q_proj.bias"] = Random(Heads * headDim);
                tensors[p + "self_attn.k_proj.bias"] = Random(KvHeads * headDim);
                tensors[p + "self_attn.v_proj.bias"] = Random(KvHeads * headDim);
            }
            if (modelType == "qwen3")
            {
                tensors[p + "self_attn.q_norm.weight"] = Norm(headDim);
                tensors[p + "self_attn.k_norm.weight"] = Norm(headDim);
            }
            tensors[p + "mlp.gate_proj.weight"] = Random(Intermediate, Hidden);
            tensors[p + "mlp.up_proj.weight"] = Random(Intermediate, Hidden);
            tensors[p + "mlp.down_proj.weight"] = Random(Hidden, Intermediate);
        }
        SafeTensors.Write(Path.Combine(directory, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static void WriteConfig(string directory, string modelType)
    {
        var special = SpecialTokens(modelType);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(modelType switch
            {
                "llama" => "LlamaForCausalLM",
                "mistral" => "MistralForCausalLM",
                "qwen2" => "Qwen2ForCausalLM",
                _ => "Qwen3ForCausalLM",
            }),
            ["model_type"] = modelType,
            ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["max_position_embeddings"] = 256,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = modelType == "mistral" ? 1e6 : 10000.0,
            ["vocab_size"] = VocabSize,
            ["tie_word_embeddings"] = Tied(modelType),
            ["hidden_act"] = "silu",
            ["bos_token_id"] = 256 + MergePairs.Length,
            ["eos_token_id"] = 256 + MergePairs.Length + (IsQwen(modelType) ? 0 : 1),
            ["torch_dtype"] = "float32",
        };
        if (modelType == "llama")
        {
            config["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = 8.0,
                ["low_freq_factor"] = 1.0,
                ["high_freq_factor"] = 4.0,
                ["original_max_position_embeddings"] = 64,
            };
        }
        if (modelType == "qwen3")
        {
            config["head_dim"] = HeadDim(modelType);
        }
        if (modelType == "mistral")
        {
            config["sliding_window"] = null;
        }
        var tokenizerConfig = new JsonObject
        {
            ["bos_token"] = IsQwen(modelType) ? null : special[0],
            ["eos_token"] = IsQwen(modelType) ? special[2] : special[1],
            ["pad_token"] = IsQwen(modelType) ? special[0] : null,
            ["model_max_length"] = 256,
            ["chat_template"] = IsQwen(modelType)
                ? "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
                : null,
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(), new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tokenizerConfig.ToJsonString(), new UTF8Encoding(false));
    }

    private static void WriteTokenizer(string directory, string modelType)
    {
        var vocab = new JsonObject();
        for (var b = 0; b < 256; b++)
        {
            vocab[ByteLevel.ByteToChar((byte)b).ToString()] = b;
        }
        var id = 256;
        foreach (var (left, right) in MergePairs)
        {
            vocab[left + right] = id++;
        }
        var added = new JsonArray();
        foreach (var token in SpecialTokens(modelType))
        {
            added.Add(new JsonObject
            {
                ["id"] = id++, ["content"] = token, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }
        var regex = IsQwen(modelType) ? ByteLevelPreTokenizerNames.Qwen2Regex : ByteLevelPreTokenizerNames.Llama3Regex;
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = regex }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = IsQwen(modelType)
                ? new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }
                : new JsonObject
                {
                    ["type"] = "TemplateProcessing",
                    ["single"] = new JsonArray(
                        new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = SpecialTokens(modelType)[0], ["type_id"] = 0 } },
                        new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(MergePairs.Select(m => (JsonNode)new JsonArray(m.Left, m.Right)).ToArray()),
            },
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString(), new UTF8Encoding(false));
    }
}
