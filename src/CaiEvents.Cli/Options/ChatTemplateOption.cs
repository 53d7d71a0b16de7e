using System.CommandLine;
using CaiEvents.Models.Chat;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Cli.Options;

/// <summary>
/// <c>--chat-template NAME</c> of <c>run</c>, <c>demo</c> and <c>worker</c>: sets this process's <c>Models:ChatTemplate</c>, so every
/// local model it loads renders role prompts in that family instead of its own <c>tokenizer_config.json</c> template. Each worker
/// process reads its own setting; provenance records the template each step actually used.
/// </summary>
internal static class ChatTemplateOption
{
    public static readonly Option<string?> Option = new("--chat-template")
    {
        Description = $"Chat template family for local models in this process ({string.Join(", ", ChatTemplates.Families)}); "
                      + "default: each checkpoint's own (Models:ChatTemplate)",
    };

    /// <summary><paramref name="configuration"/> with <c>Models:ChatTemplate</c> set from the option when it is given.</summary>
    /// <exception cref="UsageException">A name that is not a known family.</exception>
    public static IConfiguration Apply(ParseResult parse, IConfiguration configuration)
    {
        if (parse.GetValue(Option) is not { } name) return configuration;
        var family = ChatTemplates.Families.FirstOrDefault(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"--chat-template: '{name}' is not one of {string.Join(", ", ChatTemplates.Families)}");
        return new ConfigurationBuilder().AddConfiguration(configuration)
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Models:ChatTemplate", family)]).Build();
    }
}
