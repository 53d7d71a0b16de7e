using System.Reflection;

namespace CaiEvents.Models.Chat;

/// <summary>
/// The chat template families this project renders (no Jinja engine for .NET is available, so templates are recognised by
/// family and rendered in C#): recognition from a template's text, the explicit choice by name, and each family's own
/// template text (written here, in <c>Templates/&lt;family&gt;.jinja</c>) for checkpoints this project writes.
/// </summary>
public static class ChatTemplates
{
    private static readonly IReadOnlyList<FamilyEntry> Entries =
    [
        new(new Llama3ChatFormat(), "<|begin_of_text|>", "<|eot_id|>", Llama3ChatFormat.ForTemplate),
        new(new ChatMlChatFormat(), "", "<|im_end|>", ChatMlChatFormat.ForTemplate),
        new(new MistralChatFormat(), "<s>", "</s>"),
        new(new GemmaChatFormat(), "<bos>", "<eos>"),
        new(new Phi3ChatFormat(), "<s>", "<|endoftext|>"),
        new(new ZephyrChatFormat(), "<s>", "</s>"),
    ];

    /// <summary>The known family names.</summary>
    public static IReadOnlyList<string> Families { get; } = Entries.Select(e => e.Format.Family).ToList();

    /// <summary>
    /// The family of a Jinja chat template, from markers only that family's format writes: <c>&lt;|start_header_id|&gt;</c> (llama3),
    /// <c>&lt;|im_start|&gt;</c> (chatml), <c>&lt;start_of_turn&gt;</c> (gemma), <c>&lt;|user|&gt;</c> or <c>&lt;|assistant|&gt;</c> with
    /// <c>&lt;|end|&gt;</c> (phi3) or without it but with eos after each turn (zephyr), <c>[INST]</c> without Llama 2's
    /// <c>&lt;&lt;SYS&gt;&gt;</c> (mistral).
    /// A ChatML template that writes a fixed system turn keeps it (<see cref="ChatMlChatFormat.ForTemplate"/>); a Llama 3.1-style
    /// template keeps its knowledge-cutoff system header (<see cref="Llama3ChatFormat.ForTemplate"/>).
    /// </summary>
    /// <param name="templateText">The template as found, e.g. tokenizer_config.json's <c>chat_template</c>.</param>
    /// <param name="bosToken">The tokenizer's bos text (null: the family's usual one).</param>
    /// <param name="eosToken">The tokenizer's eos text (null: the family's usual one).</param>
    /// <exception cref="ChatTemplateException">No family or more than one family matches; the message names the known families.</exception>
    public static ChatTemplate Recognise(string templateText, string? bosToken = null, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(templateText);
        var matches = Entries.Where(e => Matches(e.Format.Family, templateText)).ToList();
        return matches.Count switch
        {
            1 => Create(matches[0], templateText, bosToken, eosToken),
            0 => throw new ChatTemplateException(
                $"Unrecognised chat template (sha256 {Sha256Prefix(templateText)}): known families are {string.Join(", ", Families)}; "
                + "choose one explicitly with --chat-template NAME"),
            _ => throw new ChatTemplateException(
                $"Ambiguous chat template (sha256 {Sha256Prefix(templateText)}): it has the markers of "
                + $"{string.Join(" and ", matches.Select(m => m.Format.Family))}; choose one explicitly with --chat-template NAME"),
        };
    }

    /// <summary>The explicit override: family <paramref name="name"/> with this project's template text for it.</summary>
    /// <exception cref="ChatTemplateException">An unknown name; the message names the known families.</exception>
    public static ChatTemplate ByName(string name, string? bosToken = null, string? eosToken = null) =>
        Create(Find(name), TemplateText(name), bosToken, eosToken);

    /// <summary>This project's Jinja template text for family <paramref name="name"/> (what <c>cai model init --chat-template</c> writes).</summary>
    /// <exception cref="ChatTemplateException">An unknown name; the message names the known families.</exception>
    public static string TemplateText(string name)
    {
        var family = Find(name).Format.Family;
        var resource = $"CaiEvents.Models.Chat.Templates.{family}.jinja";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The template of a model whose server applies its own (a chat-completions endpoint): the roles' messages are rendered as
    /// <see cref="ServerChatMessages"/> text and sent as messages. <paramref name="description"/> stands for the template text
    /// (which the server does not reveal), e.g. <c>chat template of http://host/v1#name, applied by the server</c>, so the
    /// provenance name (<c>server@…</c>) differs per endpoint and model. Not one of <see cref="Families"/>: it cannot be chosen by name.
    /// </summary>
    public static ChatTemplate ServerSide(string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        return new ChatTemplate(new ServerChatFormat(), description, bosToken: "", eosToken: "");
    }

    private static FamilyEntry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Entries.FirstOrDefault(e => string.Equals(e.Format.Family, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ChatTemplateException($"Unknown chat template '{name}': known families are {string.Join(", ", Families)}");
    }

    private static ChatTemplate Create(FamilyEntry entry, string text, string? bosToken, string? eosToken) =>
        new(entry.ForText?.Invoke(text) ?? entry.Format, text, bosToken ?? entry.DefaultBos, eosToken ?? entry.DefaultEos);

    private static bool Matches(string family, string text)
    {
        bool Has(string marker) => text.Contains(marker, StringComparison.Ordinal);
        return family switch
        {
            "llama3" => Has("<|start_header_id|>"),
            "chatml" => Has("<|im_start|>"),
            "gemma" => Has("<start_of_turn>"),
            "phi3" => (Has("<|user|>") || Has("<|assistant|>")) && Has("<|end|>"),
            // Zephyr ends every turn with eos; other <|user|> formats (e.g. ChatGLM's) do not.
            "zephyr" => (Has("<|user|>") || Has("<|assistant|>")) && !Has("<|end|>") && (Has("eos_token") || Has("</s>")),
            "mistral" => Has("[INST]") && !Has("<<SYS>>"),
            _ => false,
        };
    }

    private static string Sha256Prefix(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>
    /// A family's renderer, the bos/eos texts its checkpoints usually declare, and (where a template's text changes the
    /// rendering) how to make the renderer of one template text.
    /// </summary>
    private sealed record FamilyEntry(IChatFormat Format, string DefaultBos, string DefaultEos, Func<string, IChatFormat>? ForText = null);
}
