using CaiEvents.Domain.Sl;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Common;

namespace CaiEvents.UnitTests.Demo;

/// <summary>The demo corpus rendered as chat must be exactly what the roles send an instruct model (RolePrompts over RoleDialogues).</summary>
public class DemoDialoguesTests
{
    private static readonly ChatTemplate ChatMl = ChatTemplates.ByName("chatml");

    private static readonly DemoCorpus SmallCorpus = DemoCorpusGenerator.Generate(DefaultCorpusFixture.DefaultInputs(),
        new DemoCorpusOptions(Seed: 11, TrainChars: 60_000, HeldOutChars: 5_000, HeldOutComparisons: 10, TwoRoundFraction: 0.5));

    public static TheoryData<string> Families => [.. ChatTemplates.Families];

    [Fact]
    public void ChatMl_renders_the_response_prompt_as_written_out_by_hand()
    {
        Assert.Equal("<|im_start|>user\nHow do I bake bread?<|im_end|>\n<|im_start|>assistant\n",
            ChatMl.Render(DemoDialogues.Response("How do I bake bread?"), addGenerationPrompt: true));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_step_renders_the_same_text_as_the_roles(string family)
    {
        var template = ChatTemplates.ByName(family);
        var round = new CritiqueRevisionRound("Is it harmful?", "It is fine.", "Rewrite it kindly.", "Here you go.");
        var domainRound = new CompletedRound(round.CritiqueRequest, round.Critique, round.RevisionRequest, round.Revision);

        Assert.Equal(RolePrompts.Response(template, "Hi there"), template.Render(DemoDialogues.Response("Hi there"), addGenerationPrompt: true));
        foreach (var (rounds, domainRounds) in new[] { (Array.Empty<CritiqueRevisionRound>(), Array.Empty<CompletedRound>()), ([round], [domainRound]) })
        {
            Assert.Equal(RolePrompts.Critique(template, "Hi there", "Hello.", domainRounds, "Any problem?"),
                template.Render(DemoDialogues.Critique("Hi there", "Hello.", rounds, "Any problem?"), addGenerationPrompt: true));
            Assert.Equal(RolePrompts.Revision(template, "Hi there", "Hello.", domainRounds, "Any problem?", "None.", "Improve it."),
                template.Render(DemoDialogues.Revision("Hi there", "Hello.", rounds, "Any problem?", "None.", "Improve it."), addGenerationPrompt: true));
        }
        var item = SmallCorpus.HeldOutComparisons[0];
        Assert.Equal(RolePrompts.Feedback(template, item.Prompt, item.Question, item.OptionA, item.OptionB), DemoDialogues.FeedbackPrompt(template, item));
    }

    [Fact]
    public void Dialogue_turns_are_the_documents_plain_text_in_order()
    {
        foreach (var d in SmallCorpus.Train.Where(d => d.Kind != CorpusDocumentKind.Comparison))
        {
            var turns = d.Turns!;
            var rebuilt = DemoFormats.Exchange(turns[0], turns[1]) + string.Concat(Enumerable.Range(0, d.Rounds)
                .Select(i => DemoFormats.Round(turns[2 + 4 * i], turns[3 + 4 * i], turns[4 + 4 * i], turns[5 + 4 * i])));
            Assert.Equal(d.Text, rebuilt);
            Assert.Equal(2 + 4 * d.Rounds, turns.Count);
        }
        Assert.All(SmallCorpus.Train.Where(d => d.Kind == CorpusDocumentKind.Comparison), d => Assert.Null(d.Turns));
    }

    [Fact]
    public void Chat_documents_answer_each_roles_prompt_and_end_every_answer_with_im_end()
    {
        const string end = "<|im_end|>\n";
        var twoRounds = 0;
        foreach (var d in SmallCorpus.Train)
        {
            var text = DemoDialogues.Render(ChatMl, d);
            if (d.Comparison is { } item)
            {
                Assert.Equal(RolePrompts.Feedback(ChatMl, item.Prompt, item.Question, item.OptionA, item.OptionB) + $" ({item.CorrectOption})" + end, text);
                continue;
            }
            var t = d.Turns!;
            Assert.StartsWith(RolePrompts.Response(ChatMl, t[0]) + t[1] + end, text);
            var earlier = new List<CompletedRound>();
            for (var r = 0; r < d.Rounds; r++)
            {
                var (critiqueRequest, critique, revisionRequest, revision) = (t[2 + 4 * r], t[3 + 4 * r], t[4 + 4 * r], t[5 + 4 * r]);
                Assert.StartsWith(RolePrompts.Critique(ChatMl, t[0], t[1], earlier, critiqueRequest) + critique + end, text);
                Assert.StartsWith(RolePrompts.Revision(ChatMl, t[0], t[1], earlier, critiqueRequest, critique, revisionRequest) + revision + end, text);
                earlier.Add(new CompletedRound(critiqueRequest, critique, revisionRequest, revision));
            }
            Assert.EndsWith(end, text);
            if (d.Rounds == 2) twoRounds++;
        }
        Assert.True(twoRounds > 0, "the sample has two-round dialogues");
    }

    [Fact]
    public void A_dialogue_document_without_turns_is_refused()
    {
        var bare = new CorpusDocument(CorpusDocumentKind.Plain, "t", false, 0, 0, false, null, "Human: a\n\nAssistant: b");
        Assert.Throws<ArgumentException>(() => DemoDialogues.Render(ChatMl, bare));
    }
}
