using CaiEvents.Models.Chat;
using CaiEvents.Models.Llama;
using CaiEvents.Models.Tokenization;

namespace CaiEvents.Models;

/// <summary>
/// Randomly initialised checkpoints in the exact Hugging Face layout (<c>cai model init</c>): weights, <c>config.json</c>,
/// <c>generation_config.json</c>, and the tokenizer files of the family (GPT-2: <c>vocab.json</c> + <c>merges.txt</c>; the
/// Llama family: <c>tokenizer.json</c> + <c>tokenizer_config.json</c>, learned from <see cref="TokenizerFiles.TrainingLines"/>).
/// They stand in for real checkpoints, which cannot be downloaded here: same seed, same bytes.
/// </summary>
public static class RandomCheckpoints
{
    public const string Gpt2 = Gpt2Architecture.ModelType;

    /// <summary>Every <c>--arch</c> value.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [Gpt2, .. LlamaModelType.All];

    /// <summary>Tokens of the Llama-family tokenizers (byte tokens, merges and special tokens).</summary>
    private const int TokenizerSize = 512;

    /// <summary>
    /// Writes a checkpoint of <paramref name="architecture"/> and <paramref name="shape"/> (<see cref="LlamaShapes.All"/>) into
    /// <paramref name="directory"/>. With <paramref name="chatTemplate"/> (a family of <see cref="ChatTemplates.Families"/>) the
    /// tokenizer gets that format's turn tokens, <c>tokenizer_config.json</c> its template text, and <c>generation_config.json</c>
    /// its end-of-turn token as an eos id, as instruct checkpoints ship.
    /// </summary>
    /// <returns>The checkpoint sha256.</returns>
    /// <exception cref="ArgumentException">Unknown architecture, shape or template family, or a template for GPT-2 (one line).</exception>
    public static string Write(string directory, string architecture, string shape, long seed, string? chatTemplate = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!LlamaShapes.All.Contains(shape))
        {
            throw new ArgumentException($"Unknown model size '{shape}'; expected one of {string.Join(", ", LlamaShapes.All)}.", nameof(shape));
        }
        if (chatTemplate is not null && !ChatTemplates.Families.Contains(chatTemplate))
        {
            throw new ArgumentException(
                $"Unknown chat template '{chatTemplate}'; known: {string.Join(", ", ChatTemplates.Families)}.", nameof(chatTemplate));
        }
        return architecture switch
        {
            Gpt2 when chatTemplate is not null => throw new ArgumentException(
                "A GPT-2 checkpoint keeps vocab.json/merges.txt, which hold no chat template; use --arch llama, mistral, qwen2 or qwen3.",
                nameof(chatTemplate)),
            Gpt2 => RandomGpt2.Write(directory, shape, seed),
            _ when LlamaModelType.All.Contains(architecture) => WriteLlamaFamily(directory, architecture, shape, seed, chatTemplate),
            _ => throw new ArgumentException(
                $"Unknown architecture '{architecture}'; expected one of {string.Join(", ", Architectures)}.", nameof(architecture)),
        };
    }

    private static string WriteLlamaFamily(string directory, string modelType, string shape, long seed, string? chatTemplate)
    {
        var style = modelType is LlamaModelType.Qwen2 or LlamaModelType.Qwen3 ? TokenizerStyle.Qwen2 : TokenizerStyle.Llama3;
        var context = LlamaShapes.Create(modelType, shape, TokenizerSize).MaxPositionEmbeddings;
        TokenizerFiles.Write(directory, style, TokenizerSize, chatTemplate is null ? null : ChatTemplates.TemplateText(chatTemplate), context,
            chatTemplate is null ? null : TurnTokens(chatTemplate));
        using var tokenizer = HfTokenizer.Load(directory);
        var eos = new List<int> { tokenizer.EndOfTextId };
        if (chatTemplate is not null)
        {
            var template = TokenizerConfigChatTemplate.From(tokenizer.Config)!;
            if (tokenizer.TokenToId(template.EndOfTurn) is { } endOfTurn && !eos.Contains(endOfTurn))
            {
                eos.Add(endOfTurn);
            }
        }
        int? vocab = shape == LlamaShapes.Tiny ? tokenizer.VocabCount : null;
        var bos = tokenizer.Config.BosToken is { } bosText ? tokenizer.TokenToId(bosText) : null;
        return LlamaCheckpoint.WriteRandom(directory, modelType, shape, vocab, seed, bos, eos).Sha256;
    }

    /// <summary>The turn markers a family's prompts are made of, as special tokens so that each is one id (as in the real checkpoints).</summary>
    private static IReadOnlyList<string> TurnTokens(string family) => family switch
    {
        "llama3" => ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
        "chatml" => ["<|im_start|>", "<|im_end|>"],
        "mistral" => ["[INST]", "[/INST]"],
        "gemma" => ["<start_of_turn>", "<end_of_turn>"],
        "phi3" => ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"],
        "zephyr" => ["<|system|>", "<|user|>", "<|assistant|>"],
        _ => [],
    };
}
