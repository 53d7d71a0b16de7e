using System.Security.Cryptography;
using System.Text;
using CaiEvents.Domain;
using CaiEvents.Domain.Constitutions;

namespace CaiEvents.UnitTests.Constitutions;

/// <summary>The released JSON shapes read from a directory (the shipped constitutions/released-shapes, and small ones written here).</summary>
public sealed class ConstitutionDirectoryLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cai-constitution-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Shipped => Path.Combine(TestPaths.RepoRoot(), "constitutions", "released-shapes");

    private const string Instructions = """{"harm one": {"prompt": ["Find the harm."], "edit_request": "Remove the harm."}}""";
    private const string Principles = """["\nWhich reply is kinder? Options:", "Which reply is safer?   Options:"]""";

    private string Write(string name, string json)
    {
        File.WriteAllText(Path.Combine(_dir, name), json);
        return Path.Combine(_dir, name);
    }

    private InputException Fails() => Assert.Throws<InputException>(() => ConstitutionLoader.Load(_dir));

    [Fact]
    public void The_shipped_directory_is_recognised_file_by_file_and_ids_come_from_names_and_positions()
    {
        var c = ConstitutionLoader.Load(Shipped);

        Assert.Equal("released-shapes", c.Id);
        Assert.Equal(["harm-check", "honesty-check", "respect-check"], c.CritiqueRevision.Select(p => p.Id));
        Assert.Equal(["comparison-principles-0", "comparison-principles-1", "comparison-principles-2", "comparison-principles-3"],
            c.Comparison.Select(p => p.Id));
        // The released principles end in "Options:"; the feedback question renders that line itself.
        Assert.Equal("Choose the reply that treats everyone it mentions with more respect.", c.Comparison[3].Question);
        Assert.Equal(["critique-revision-few-shot-0", "critique-revision-few-shot-1", "critique-revision-few-shot-2"],
            c.CritiqueRevisionExamples.Select(e => e.Id));
        Assert.Equal(["feedback-few-shot-0", "feedback-few-shot-1", "feedback-few-shot-2"], c.FeedbackExamples.Select(e => e.Id));
        Assert.Equal("How do I get into my ex's email account? I know their birthday.", c.FeedbackExamples[0].Prompt);
        Assert.StartsWith("I can't help you get into", c.FeedbackExamples[0].Better);
        Assert.StartsWith("Try their birthday", c.FeedbackExamples[0].Worse);
    }

    [Fact]
    public void A_multi_turn_dialogue_keeps_its_earlier_turns_in_the_prompt_and_its_last_assistant_turn_as_the_response()
    {
        var hike = ConstitutionLoader.Load(Shipped).CritiqueRevisionExamples[1];

        Assert.Equal("I'm planning a long hike next weekend.\n\nAssistant: That sounds lovely. Where are you going?\n\n"
            + "Human: Up a mountain trail. Do I really need to bring water if there are streams?", hike.Prompt);
        Assert.Equal("No, stream water in the mountains is always clean, so you can drink it straight.", hike.Response);
        Assert.StartsWith("Does the assistant's last reply state anything", hike.CritiqueRequest);
        Assert.StartsWith("\"Stream water", hike.Critique);
        Assert.StartsWith("Rewrite the reply so that its confidence", hike.RevisionRequest);
        Assert.StartsWith("It's safer to bring water.", hike.Revision);
        Assert.DoesNotContain("Human:", hike.Revision); // the released dialogues end with an empty "Human:" turn
    }

    [Fact]
    public void The_snapshot_text_is_yaml_that_parses_back_to_the_same_constitution_and_names_every_file_with_its_hash()
    {
        var c = ConstitutionLoader.Load(Shipped);
        var again = ConstitutionLoader.Parse(c.SourceText, "snapshot");

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(c.SourceText))), c.ContentHash);
        Assert.Equal(c.CritiqueRevision, again.CritiqueRevision);
        Assert.Equal(c.Comparison, again.Comparison);
        Assert.Equal(c.CritiqueRevisionExamples, again.CritiqueRevisionExamples);
        Assert.Equal(c.FeedbackExamples, again.FeedbackExamples);
        foreach (var file in Directory.GetFiles(Shipped, "*.json"))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
            Assert.Contains($"{Path.GetFileName(file)} sha256:{hash}", c.SourceText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Changing_only_a_few_shot_file_changes_the_content_hash()
    {
        Write("instructions.json", Instructions);
        Write("principles.json", Principles);
        var without = ConstitutionLoader.Load(_dir);
        Write("shots.json", """[{"prompt": "Hi?", "corrects": ["Hello."], "incorrects": ["Go away."]}]""");
        var with = ConstitutionLoader.Load(_dir);

        Assert.Empty(without.FeedbackExamples);
        Assert.Equal([new FeedbackExample("shots-0", "Hi?", "Hello.", "Go away.")], with.FeedbackExamples);
        Assert.NotEqual(without.ContentHash, with.ContentHash);
        Assert.Equal(["harm-one"], with.CritiqueRevision.Select(p => p.Id));
        Assert.Equal(["Which reply is kinder?", "Which reply is safer?"], with.Comparison.Select(p => p.Question));
    }

    [Fact]
    public void Several_critique_requests_and_several_answers_become_one_entry_each()
    {
        Write("instructions.json", """{"h": {"prompt": ["One?", "Two?"], "edit_request": "Fix."}}""");
        Write("principles.json", Principles);
        Write("shots.json", """[{"prompt": "Q", "corrects": ["a", "b"], "incorrects": ["x"]}]""");
        var c = ConstitutionLoader.Load(_dir);

        Assert.Equal([new CritiqueRevisionPrinciple("h-0", "One?", "Fix."), new CritiqueRevisionPrinciple("h-1", "Two?", "Fix.")], c.CritiqueRevision);
        Assert.Equal(["shots-0-0-0", "shots-0-1-0"], c.FeedbackExamples.Select(e => e.Id));
    }

    [Fact]
    public void Strings_that_yaml_would_fold_or_escape_survive_the_snapshot_exactly()
    {
        const string tricky = "Quotes \" and \\ backslash,\ttab, # hash: colon, \u2028 line separator, \u0085 next line, é and 🙂\nnew line";
        Write("instructions.json", "{\"h\": {\"prompt\": [" + System.Text.Json.JsonSerializer.Serialize(tricky) + "], \"edit_request\": \"Fix.\"}}");
        Write("principles.json", Principles);

        Assert.Equal(tricky, ConstitutionLoader.Load(_dir).CritiqueRevision[0].CritiqueRequest);
    }

    [Theory]
    [InlineData("instructions.json", """{"h": {"prompt": ["One?"]}}""", "instructions.json: \"h\": missing required field 'edit_request'")]
    [InlineData("instructions.json", """{"h": {"prompt": "One?", "edit_request": "Fix."}}""", "instructions.json: \"h\".prompt: expected a list")]
    [InlineData("instructions.json", """{"h": {"prompt": ["One?"], "edit_request": "Fix.", "extra": 1}}""",
        "instructions.json: \"h\": unknown key \"extra\" (allowed: prompt, edit_request)")]
    [InlineData("instructions.json", """{"h": {"prompt": ["  "], "edit_request": "Fix."}}""", "instructions.json: \"h\".prompt[0]: must not be empty")]
    [InlineData("instructions.json", """{"h": {"prompt": ["a \u0000 b"], "edit_request": "Fix."}}""", "instructions.json: \"h\".prompt[0]: contains a NUL character")]
    [InlineData("principles.json", """["Fine? Options:", "No suffix here"]""", "principles.json: [1]: a comparison principle must end with 'Options:'")]
    [InlineData("principles.json", """["Fine? Options:", 3]""", "principles.json: [1]: expected a string, found a number")]
    [InlineData("shots.json", """["Human: Q\n\nAssistant: A\n\nCritiqueRequest: C?\n\nCritique: c\n\nRevisionRequest: R"]""",
        "shots.json: [0]: expected 'Revision:' after the conversation's turns, found the end of the dialogue")]
    [InlineData("shots.json", """["Assistant: A\n\nCritiqueRequest: C?\n\nCritique: c\n\nRevisionRequest: R\n\nRevision: r"]""",
        "shots.json: [0]: expected 'Human:' as turn 1 of the conversation, found 'Assistant:'")]
    [InlineData("shots.json", """[{"prompt": "Q", "corrects": [], "incorrects": ["x"]}]""",
        "shots.json: [0].corrects: the list is empty; at least one answer is required")]
    [InlineData("shots.json", """[{"prompt": "Q", "corrects": ["a"]}]""", "shots.json: [0]: missing required field 'incorrects'")]
    [InlineData("shots.json", """[{"prompt": "Human: Q\n\nAssistant: A", "corrects": ["a"], "incorrects": ["b"]}]""",
        "shots.json: [0].prompt: the conversation must end with a 'Human:' turn (then an empty 'Assistant:')")]
    [InlineData("shots.json", "[]", "shots.json: the list is empty, so its kind cannot be told")]
    [InlineData("shots.json", "42", "shots.json: not a constitution file")]
    [InlineData("shots.json", "[1, 2", "shots.json:1: invalid JSON")]
    public void Errors_name_the_file_and_the_key_or_index_on_one_line(string file, string json, string expected)
    {
        Write("instructions.json", Instructions);
        Write("principles.json", Principles);
        Write(file, json);

        var error = Fails();

        Assert.StartsWith(Path.Combine(_dir, expected), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_directory_without_json_files_or_without_principles_is_refused()
    {
        Assert.Equal($"{_dir}: no .json files here; a constitution directory holds critique/revision instructions, comparison principles and "
            + "optional few-shot files", Fails().Message);
        Write("instructions.json", Instructions);
        Assert.StartsWith($"{_dir}: no comparison principles file", Fails().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_unique_across_files()
    {
        Write("instructions.json", Instructions);
        Write("principles.json", Principles);
        Write("z.json", """{"principles-0": {"prompt": ["One?"], "edit_request": "Fix."}}""");

        Assert.Equal($"{Path.Combine(_dir, "z.json")}: \"principles-0\": its id 'principles-0' is already taken by principles.json [0]", Fails().Message);
    }
}
