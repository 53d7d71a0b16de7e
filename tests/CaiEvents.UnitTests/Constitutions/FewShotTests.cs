using System.Security.Cryptography;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain;
using CaiEvents.Domain.Chat;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;

namespace CaiEvents.UnitTests.Constitutions;

/// <summary>Few-shot examples: the YAML section, the seeded draw, and how they are prepended for base and chat models.</summary>
public class FewShotTests
{
    private const string Yaml = """
        id: shots
        version: 1
        description: With examples.
        critique_revision:
          - id: harm
            critique: Find the harm.
            revision: Remove it.
        comparison:
          - id: kind
            question: Which is kinder?
        few_shot:
          critique_revision:
            - id: ex-one
              prompt: p1
              response: r1
              critique_request: cr1
              critique: c1
              revision_request: rr1
              revision: v1
            - id: ex-two
              prompt: p2
              response: r2
              critique_request: cr2
              critique: c2
              revision_request: rr2
              revision: v2
            - id: ex-three
              prompt: p3
              response: r3
              critique_request: cr3
              critique: c3
              revision_request: rr3
              revision: v3
          comparison:
            - id: fb-one
              prompt: q1
              better: good1
              worse: bad1
            - id: fb-two
              prompt: q2
              better: good2
              worse: bad2
            - id: fb-three
              prompt: q3
              better: good3
              worse: bad3
        """;

    private static readonly Constitution WithExamples = ConstitutionLoader.Parse(Yaml, "shots.yaml");

    private static readonly CritiqueRevisionExample One = new("ex-one", "p1", "r1", "cr1", "c1", "rr1", "v1");

    [Fact]
    public void The_yaml_few_shot_section_is_read_in_order()
    {
        Assert.Equal(One, WithExamples.CritiqueRevisionExamples[0]);
        Assert.Equal(["ex-one", "ex-two", "ex-three"], WithExamples.CritiqueRevisionExamples.Select(e => e.Id));
        Assert.Equal(new FeedbackExample("fb-two", "q2", "good2", "bad2"), WithExamples.FeedbackExamples[1]);
        Assert.Empty(ConstitutionLoader.LoadDefault().CritiqueRevisionExamples);
        Assert.Empty(ConstitutionLoader.LoadDefault().FeedbackExamples);
    }

    [Theory]
    [InlineData("      prompt: p1", "      promt: p1", "few_shot.critique_revision[0]: unknown key 'promt'")]
    [InlineData("    - id: fb-two", "    - id: harm", "few_shot.comparison[1]: duplicate id 'harm'")]
    [InlineData("      worse: bad3", "      worse: ''", "few_shot.comparison[2].worse: must not be empty")]
    public void Yaml_few_shot_errors_name_the_line_and_the_entry(string line, string replacement, string expected)
    {
        var error = Assert.Throws<InputException>(() => ConstitutionLoader.Parse(Yaml.Replace(line, replacement, StringComparison.Ordinal), "shots.yaml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("shots.yaml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_yaml_example_of_the_docs_parses()
    {
        var doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot(), "docs", "constitutions.md"));
        var start = doc.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var c = ConstitutionLoader.Parse(doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)], "docs/constitutions.md");
        Assert.Equal(["ex-dog"], c.CritiqueRevisionExamples.Select(e => e.Id));
        Assert.Equal(["ex-email"], c.FeedbackExamples.Select(e => e.Id));
    }

    [Fact]
    public void An_example_hash_is_the_sha256_of_its_transcript_as_documented()
    {
        const string transcript = "Human: p1\n\nAssistant: r1\n\nCritique Request: cr1\n\nCritique: c1\n\nRevision Request: rr1\n\nRevision: v1\n\n";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(transcript))), One.ContentHash);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("Human: q1\n\nBetter: good1\n\nWorse: bad1"))),
            WithExamples.FeedbackExamples[0].ContentHash);
    }

    [Fact]
    public void The_draw_is_a_pure_function_of_seed_item_and_round_and_takes_at_most_two()
    {
        var key = Seeds.SampleKey(3);
        var first = FewShotDraw.CritiqueRevision(WithExamples, 7, key, 1);

        Assert.Equal(FewShotDraw.PerPrompt, first.Count);
        Assert.Equal(2, first.Distinct().Count());
        Assert.Equal(first, FewShotDraw.CritiqueRevision(WithExamples, 7, key, 1));
        // Over many items every example is drawn, and not always in the same pair: the draw depends on the item.
        var drawn = Enumerable.Range(0, 40).Select(i => string.Join(",", FewShotDraw.CritiqueRevision(WithExamples, 7, Seeds.SampleKey(i), 1)
            .Select(e => e.Id))).ToHashSet();
        Assert.True(drawn.Count > 1);
        Assert.Equal(3, drawn.SelectMany(d => d.Split(',')).Distinct().Count());
        var placed = Enumerable.Range(0, 40).SelectMany(i => FewShotDraw.Feedback(WithExamples, 7, Seeds.ComparisonKey(i))).ToList();
        Assert.Contains(placed, p => p.BetterFirst);
        Assert.Contains(placed, p => !p.BetterFirst);
    }

    [Fact]
    public void A_constitution_without_examples_draws_none_and_records_nothing()
    {
        var none = FewShotDraw.CritiqueRevision(ConstitutionLoader.LoadDefault(), 7, Seeds.SampleKey(0), 1);
        Assert.Empty(none);
        Assert.Null(FewShotDraw.Uses(none));
        Assert.Null(FewShotDraw.Uses(FewShotDraw.Feedback(ConstitutionLoader.LoadDefault(), 7, Seeds.ComparisonKey(0))));
        Assert.Equal([new FewShotUse("ex-one", One.ContentHash)], FewShotDraw.Uses([One]));
    }

    [Fact]
    public void Base_model_critique_and_revision_prompts_begin_with_the_whole_worked_dialogue()
    {
        Assert.Equal(
            "Human: p1\n\nAssistant: r1\n\nCritique Request: cr1\n\nCritique: c1\n\nRevision Request: rr1\n\nRevision: v1\n\n"
            + "Human: P\n\nAssistant: R\n\nCritique Request: CR\n\nCritique:",
            PromptFormat.RenderCritiquePrompt("P", "R", [], "CR", [One]));
        Assert.Equal(
            "Human: p1\n\nAssistant: r1\n\nCritique Request: cr1\n\nCritique: c1\n\nRevision Request: rr1\n\nRevision: v1\n\n"
            + "Human: P\n\nAssistant: R\n\nCritique Request: CR\n\nCritique: C\n\nRevision Request: RR\n\nRevision:",
            PromptFormat.RenderRevisionPrompt("P", "R", [], "CR", "C", "RR", [One]));
        Assert.Equal("Human: P\n\nAssistant: R\n\nCritique Request: CR\n\nCritique:", PromptFormat.RenderCritiquePrompt("P", "R", [], "CR", []));
    }

    [Fact]
    public void Base_model_feedback_questions_begin_with_each_example_answered_on_its_drawn_side()
    {
        var example = new PlacedFeedbackExample(new FeedbackExample("fb", "q1", "good", "bad"), BetterFirst: false);
        Assert.Equal(
            "Consider the following conversation between a human and an assistant:\n\nHuman: q1\n\nWhich is kinder?\nOptions:\n(A) bad\n(B) good\n"
            + "The answer is: (B)\n\n"
            + "Consider the following conversation between a human and an assistant:\n\nHuman: Q\n\nWhich is kinder?\nOptions:\n(A) x\n(B) y\n"
            + "The answer is:",
            FeedbackPrompt.Render("Q", "Which is kinder?", "x", "y", [example]));
        // Chain of thought: the same examples (answered directly), then the question and the reasoning lead.
        Assert.Equal(
            "Consider the following conversation between a human and an assistant:\n\nHuman: q1\n\nWhich is kinder?\nOptions:\n(A) bad\n(B) good\n"
            + "The answer is: (B)\n\n"
            + "Consider the following conversation between a human and an assistant:\n\nHuman: Q\n\nWhich is kinder?\nOptions:\n(A) x\n(B) y\n"
            + "Let's think step by step:",
            FeedbackPrompt.RenderReasoning("Q", "Which is kinder?", "x", "y", [example]));
    }

    [Fact]
    public void Chat_models_get_the_examples_as_earlier_turns()
    {
        var twoTurns = One with { Prompt = "first\n\nAssistant: reply\n\nHuman: second" };
        Assert.Equal(
        [
            ChatMessage.FromUser("first"), ChatMessage.FromAssistant("reply"), ChatMessage.FromUser("second"), ChatMessage.FromAssistant("r1"),
            ChatMessage.FromUser("cr1"), ChatMessage.FromAssistant("c1"), ChatMessage.FromUser("rr1"), ChatMessage.FromAssistant("v1"),
            ChatMessage.FromUser("P"), ChatMessage.FromAssistant("R"), ChatMessage.FromUser("CR"),
        ], RoleDialogues.Critique("P", "R", [], "CR", [twoTurns]));

        var placed = new PlacedFeedbackExample(new FeedbackExample("fb", "q1", "good", "bad"), BetterFirst: true);
        Assert.Equal(
        [
            ChatMessage.FromUser("Consider the following conversation between a human and an assistant:\n\nHuman: q1\n\nWhich?\nOptions:\n(A) good\n(B) bad"),
            ChatMessage.FromAssistant("The answer is: (A)"),
            ChatMessage.FromUser("Consider the following conversation between a human and an assistant:\n\nHuman: Q\n\nWhich?\nOptions:\n(A) x\n(B) y"),
        ], RoleDialogues.Feedback("Q", "Which?", "x", "y", [placed]));
    }
}
