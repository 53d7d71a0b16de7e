using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Models.Chat;

namespace CaiEvents.UnitTests.Chat;

/// <summary>
/// Our C# renderers against Hugging Face's own Jinja engine: Fixtures/chat-template-renderings.json was written by
/// tools/reference-chat-templates/render.mjs, which renders each family's template text with @huggingface/jinja
/// (see docs/development.md to regenerate it).
/// </summary>
public sealed class ChatTemplateFixtureTests
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static readonly Fixture Renderings =
        JsonSerializer.Deserialize<Fixture>(File.ReadAllText(TestPaths.Fixture("chat-template-renderings.json")), Json)!;

    public static TheoryData<string> Families() => [.. ChatTemplates.Families];

    [Fact]
    public void The_fixture_covers_every_family()
    {
        Assert.Equal(ChatTemplates.Families.Order(), Renderings.Families.Select(f => f.Family).Order());
        Assert.All(Renderings.Families, f => Assert.True(f.Cases.Count >= 20, $"{f.Family}: {f.Cases.Count} cases"));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_fixture_was_rendered_from_this_template_text(string family) =>
        // A template edited without regenerating the fixture fails here (the hash is node's, not ours).
        Assert.Equal(FamilyOf(family).TemplateSha256, ChatTemplates.ByName(family).Sha256);

    [Theory]
    [MemberData(nameof(Families))]
    public void Render_equals_the_reference_jinja_for_every_conversation(string family)
    {
        var reference = FamilyOf(family);
        AssertRenders(ChatTemplates.ByName(family, reference.BosToken ?? "", reference.EosToken), family, reference.Cases);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Each_family_recognises_its_own_template_text(string family)
    {
        var recognised = ChatTemplates.Recognise(ChatTemplates.TemplateText(family));
        Assert.Equal(family, recognised.Family);
        Assert.Equal(FamilyOf(family).TemplateSha256, recognised.Sha256);
    }

    [Fact]
    public void Templates_in_other_shapes_are_recognised_and_rendered_as_they_render()
    {
        Assert.NotEmpty(Renderings.Variants);
        foreach (var variant in Renderings.Variants)
        {
            var template = ChatTemplates.Recognise(variant.TemplateText, variant.BosToken ?? "", variant.EosToken);
            Assert.Equal(variant.Family, template.Family);
            Assert.Equal(variant.TemplateSha256, template.Sha256);
            AssertRenders(template, variant.Name, variant.Cases);
        }
    }

    private static void AssertRenders(ChatTemplate template, string name, IReadOnlyList<FixtureCase> cases)
    {
        foreach (var c in cases)
        {
            var messages = c.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList();
            var label = $"{name} / {c.Name} / generation prompt {c.AddGenerationPrompt}";
            if (c.Error is not null)
            {
                var refused = Assert.Throws<ChatTemplateException>(() => template.Render(messages, c.AddGenerationPrompt));
                Assert.True(c.Error == refused.Message, $"{label}: expected error '{c.Error}', got '{refused.Message}'");
            }
            else
            {
                var rendered = template.Render(messages, c.AddGenerationPrompt);
                Assert.True(c.Rendered == rendered,
                    $"{label}:\nexpected {JsonSerializer.Serialize(c.Rendered)}\nactual   {JsonSerializer.Serialize(rendered)}");
            }
        }
    }

    private static FixtureFamily FamilyOf(string family) => Renderings.Families.Single(f => f.Family == family);

    private sealed record Fixture(string Engine, IReadOnlyList<FixtureFamily> Families, IReadOnlyList<FixtureVariant> Variants);

    private sealed record FixtureVariant(string Name, string Family, string TemplateText, string TemplateSha256, string? BosToken, string EosToken,
        IReadOnlyList<FixtureCase> Cases);

    private sealed record FixtureFamily(string Family, string TemplateSha256, string? BosToken, string EosToken, IReadOnlyList<FixtureCase> Cases);

    private sealed record FixtureCase(string Name, bool AddGenerationPrompt, IReadOnlyList<FixtureMessage> Messages, string? Rendered, string? Error);

    private sealed record FixtureMessage(string Role, string Content);
}
