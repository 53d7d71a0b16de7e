using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CaiEvents.Models.Tokenization;

/// <summary>
/// Writes Hugging Face tokenizer files (<c>tokenizer.json</c> and <c>tokenizer_config.json</c>) for the small checkpoints the project
/// makes itself. The vocabulary is 256 byte tokens plus merges learned by <see cref="BpeTrainer"/> from a fixed English page shipped with
/// this assembly (or from the caller's own training texts), and the style's special tokens (<see cref="TokenizerVocabulary"/>); the same
/// arguments always write the same bytes.
/// </summary>
public static class TokenizerFiles
{
    public const string TokenizerJsonFileName = "tokenizer.json";
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    private const string TrainingTextResource = "CaiEvents.Models.Tokenization.tokenizer-training-text.txt";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes the two files into <paramref name="directory"/> (created if missing). <paramref name="vocabSize"/> counts the byte tokens, the
    /// merges and the special tokens; fewer merges are learned when the training page runs out of repeated pairs.
    /// </summary>
    /// <param name="chatTemplate">Written as <c>chat_template</c> when given.</param>
    /// <param name="modelMaxLength">The context length written as <c>model_max_length</c>.</param>
    /// <param name="extraSpecialTokens">More special added tokens after the style's own (a chat format's turn markers), skipping any the
    /// style already has.</param>
    public static void Write(string directory, TokenizerStyle style, int vocabSize = 512, string? chatTemplate = null, int modelMaxLength = 2048,
        IReadOnlyList<string>? extraSpecialTokens = null) =>
        Write(directory, style, TrainingLines(), vocabSize, chatTemplate, modelMaxLength, extraSpecialTokens);

    /// <summary>
    /// As <see cref="Write(string, TokenizerStyle, int, string?, int, IReadOnlyList{string}?)"/>, with the merges learned from
    /// <paramref name="trainingLines"/> (a model's own training texts, e.g. the demo corpus) instead of the embedded page. Special
    /// tokens written in the texts are cut out before counting, so they never take part in a merge.
    /// </summary>
    public static void Write(string directory, TokenizerStyle style, IReadOnlyList<string> trainingLines, int vocabSize, string? chatTemplate = null,
        int modelMaxLength = 2048, IReadOnlyList<string>? extraSpecialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(trainingLines);
        var own = SpecialTokensOf(style);
        var special = own with { All = [.. own.All, .. (extraSpecialTokens ?? []).Where(t => !own.All.Contains(t)).Distinct()] };
        var vocabulary = style == TokenizerStyle.SentencePiece
            ? TokenizerVocabulary.SentencePieceBpe(trainingLines, vocabSize, special.All)
            : TokenizerVocabulary.ByteLevelBpe(trainingLines, vocabSize, special.All, specialsInModelVocab: style == TokenizerStyle.Gpt2);
        Directory.CreateDirectory(directory);
        var utf8 = new UTF8Encoding(false);
        File.WriteAllText(Path.Combine(directory, TokenizerJsonFileName), TokenizerJson(style, vocabulary, special), utf8);
        File.WriteAllText(Path.Combine(directory, TokenizerConfigFileName),
            TokenizerConfigJson(style, vocabulary, special, chatTemplate, modelMaxLength), utf8);
    }

    /// <summary>The English page the merges are learned from, one line per training text.</summary>
    public static IReadOnlyList<string> TrainingLines()
    {
        using var stream = typeof(TokenizerFiles).Assembly.GetManifestResourceStream(TrainingTextResource)
            ?? throw new InvalidOperationException($"Embedded resource {TrainingTextResource} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().ReplaceLineEndings("\n").Split('\n').Select(line => line + "\n").ToArray();
    }

    private static SpecialTokens SpecialTokensOf(TokenizerStyle style) => style switch
    {
        TokenizerStyle.Gpt2 => new(["<|endoftext|>"], Bos: null, Eos: "<|endoftext|>", Pad: "<|endoftext|>"),
        TokenizerStyle.Llama3 => new(["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
            Bos: "<|begin_of_text|>", Eos: "<|end_of_text|>", Pad: "<|end_of_text|>"),
        TokenizerStyle.Qwen2 => new(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], Bos: null, Eos: "<|endoftext|>", Pad: "<|endoftext|>"),
        TokenizerStyle.SentencePiece => new(["<unk>", "<s>", "</s>"], Bos: "<s>", Eos: "</s>", Pad: null, Unk: "<unk>"),
        _ => throw new ArgumentOutOfRangeException(nameof(style), style, "Unknown tokenizer style."),
    };

    private static string TokenizerJson(TokenizerStyle style, TokenizerVocabulary vocabulary, SpecialTokens special)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            foreach (var (token, id) in vocabulary.Added)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", token);
                WriteAddedTokenFlags(json);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WritePropertyName("normalizer");
            if (style == TokenizerStyle.Qwen2)
            {
                json.WriteStartObject();
                json.WriteString("type", "NFC");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNullValue();
            }

            json.WritePropertyName("pre_tokenizer");
            switch (style)
            {
                case TokenizerStyle.Gpt2:
                    WriteByteLevel(json, useRegex: true, trimOffsets: true);
                    break;
                case TokenizerStyle.Llama3:
                    WriteSplitThenByteLevel(json, PreTokenizerPatterns.Llama3, trimOffsets: true);
                    break;
                case TokenizerStyle.Qwen2:
                    WriteSplitThenByteLevel(json, PreTokenizerPatterns.Qwen2, trimOffsets: false);
                    break;
                default:
                    // Spaces become '▁' and one '▁' goes in front of the text (not after a special token); no splitting.
                    json.WriteStartObject();
                    json.WriteString("type", "Metaspace");
                    json.WriteString("replacement", TokenizerVocabulary.SpaceMark.ToString());
                    json.WriteString("prepend_scheme", "first");
                    json.WriteBoolean("split", false);
                    json.WriteEndObject();
                    break;
            }

            json.WritePropertyName("post_processor");
            if (style == TokenizerStyle.SentencePiece)
            {
                WriteTemplateProcessing(json, special.Bos!, vocabulary.IdOf(special.Bos!));
            }
            else if (special.Bos is { } bos)
            {
                json.WriteStartObject();
                json.WriteString("type", "Sequence");
                json.WriteStartArray("processors");
                WriteByteLevel(json, useRegex: true, trimOffsets: false);
                WriteTemplateProcessing(json, bos, vocabulary.IdOf(bos));
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                WriteByteLevel(json, useRegex: style == TokenizerStyle.Gpt2, trimOffsets: false);
            }

            json.WritePropertyName("decoder");
            if (style == TokenizerStyle.SentencePiece) WriteSentencePieceDecoder(json);
            else WriteByteLevel(json, useRegex: true, trimOffsets: true);

            bool sentencePiece = style == TokenizerStyle.SentencePiece;
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            WriteStringOrNull(json, "unk_token", special.Unk);
            json.WriteNull("continuing_subword_prefix");
            json.WriteNull("end_of_word_suffix");
            json.WriteBoolean("fuse_unk", sentencePiece);
            json.WriteBoolean("byte_fallback", sentencePiece);
            // Llama 3 looks a whole pre-token up in the vocabulary before merging; the others always merge.
            json.WriteBoolean("ignore_merges", style == TokenizerStyle.Llama3);
            json.WriteStartObject("vocab");
            foreach (var (token, id) in vocabulary.ModelTokens) json.WriteNumber(token, id);
            json.WriteEndObject();
            json.WriteStartArray("merges");
            foreach (var (left, right) in vocabulary.Merges) json.WriteStringValue(left + " " + right);
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string TokenizerConfigJson(TokenizerStyle style, TokenizerVocabulary vocabulary, SpecialTokens special, string? chatTemplate,
        int modelMaxLength)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteBoolean("add_bos_token", special.Bos is not null);
            json.WriteBoolean("add_eos_token", false);
            // For a Llama tokenizer transformers would rebuild the tokenizer from a SentencePiece model when this key is present.
            if (style != TokenizerStyle.SentencePiece) json.WriteBoolean("add_prefix_space", false);
            json.WriteStartObject("added_tokens_decoder");
            foreach (var (token, id) in vocabulary.Added)
            {
                json.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("content", token);
                WriteAddedTokenFlags(json);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            WriteStringOrNull(json, "bos_token", special.Bos);
            if (chatTemplate is not null) json.WriteString("chat_template", chatTemplate);
            json.WriteBoolean("clean_up_tokenization_spaces", false);
            json.WriteString("eos_token", special.Eos);
            if (style == TokenizerStyle.SentencePiece) json.WriteBoolean("legacy", false);
            json.WriteNumber("model_max_length", modelMaxLength);
            WriteStringOrNull(json, "pad_token", special.Pad);
            json.WriteString("tokenizer_class", style switch
            {
                TokenizerStyle.Qwen2 => "Qwen2Tokenizer",
                TokenizerStyle.SentencePiece => "LlamaTokenizerFast",
                _ => "PreTrainedTokenizerFast",
            });
            WriteStringOrNull(json, "unk_token", special.Unk);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteAddedTokenFlags(Utf8JsonWriter json)
    {
        json.WriteBoolean("single_word", false);
        json.WriteBoolean("lstrip", false);
        json.WriteBoolean("rstrip", false);
        json.WriteBoolean("normalized", false);
        json.WriteBoolean("special", true);
    }

    private static void WriteByteLevel(Utf8JsonWriter json, bool useRegex, bool trimOffsets)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }

    // '▁' back to spaces, <0xNN> tokens back to bytes, everything joined, and the one space the pre-tokenizer put in front removed.
    private static void WriteSentencePieceDecoder(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "Sequence");
        json.WriteStartArray("decoders");
        json.WriteStartObject();
        json.WriteString("type", "Replace");
        json.WriteStartObject("pattern");
        json.WriteString("String", TokenizerVocabulary.SpaceMark.ToString());
        json.WriteEndObject();
        json.WriteString("content", " ");
        json.WriteEndObject();
        foreach (string type in (string[])["ByteFallback", "Fuse"])
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteEndObject();
        }
        json.WriteStartObject();
        json.WriteString("type", "Strip");
        json.WriteString("content", " ");
        json.WriteNumber("start", 1);
        json.WriteNumber("stop", 0);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteSplitThenByteLevel(Utf8JsonWriter json, string pattern, bool trimOffsets)
    {
        json.WriteStartObject();
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", pattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        WriteByteLevel(json, useRegex: false, trimOffsets);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // The bos in front of a single sequence (and of each sequence of a pair), as Llama 3's file has it.
    private static void WriteTemplateProcessing(Utf8JsonWriter json, string bos, int bosId)
    {
        json.WriteStartObject();
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WritePiece(json, "SpecialToken", bos, 0);
        WritePiece(json, "Sequence", "A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WritePiece(json, "SpecialToken", bos, 0);
        WritePiece(json, "Sequence", "A", 0);
        WritePiece(json, "SpecialToken", bos, 1);
        WritePiece(json, "Sequence", "B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bos);
        json.WriteString("id", bos);
        json.WriteStartArray("ids");
        json.WriteNumberValue(bosId);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bos);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePiece(Utf8JsonWriter json, string kind, string id, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject(kind);
        json.WriteString("id", id);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }

    private sealed record SpecialTokens(IReadOnlyList<string> All, string? Bos, string Eos, string? Pad, string? Unk = null);
}
