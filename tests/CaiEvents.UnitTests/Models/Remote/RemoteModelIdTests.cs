using System.Security.Cryptography;
using System.Text;
using CaiEvents.Models;
using CaiEvents.Models.Remote;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.UnitTests.Models.Remote;

public class RemoteModelIdTests
{
    [Theory]
    [InlineData("openai:http://127.0.0.1:8000/v1#my-model", "http://127.0.0.1:8000/v1", "my-model")]
    [InlineData("openai:http://127.0.0.1:8000/v1/#Qwen/Qwen2.5-0.5B-Instruct", "http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-0.5B-Instruct")]
    [InlineData("openai:https://api.example.com/v1#llama3:8b", "https://api.example.com/v1", "llama3:8b")]
    public void Parses_base_url_and_model_name(string id, string baseUrl, string modelName)
    {
        var parsed = RemoteModelId.Parse(id);

        Assert.Equal(id, parsed.Id);
        Assert.Equal(baseUrl, parsed.BaseUrl);
        Assert.Equal(modelName, parsed.ModelName);
        Assert.Equal(baseUrl + "/completions", parsed.CompletionsEndpoint);
    }

    [Theory]
    [InlineData("openai:http://127.0.0.1:8000/v1", "has no '#<model name>'")]
    [InlineData("openai:http://127.0.0.1:8000/v1#", "empty model name")]
    [InlineData("openai:#my-model", "not an absolute URL")]
    [InlineData("openai:localhost:8000/v1#my-model", "only http and https")]
    [InlineData("openai:not a url#my-model", "not an absolute URL")]
    [InlineData("openai:ftp://127.0.0.1/v1#my-model", "'ftp' base URL; only http and https")]
    [InlineData("openai:http://127.0.0.1:8000/v1?x=1#my-model", "query string")]
    [InlineData("builtin:tiny", "does not start with 'openai:'")]
    public void Bad_ids_give_one_line_explanations(string id, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => RemoteModelId.Parse(id));

        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("openai:http://127.0.0.1:8000/v1#my-model", "my-model", null)]
    [InlineData("openai:http://127.0.0.1:8000/v1#my-model?api=chat", "my-model", RemoteApi.Chat)]
    [InlineData("openai:http://127.0.0.1:8000/v1#llama3:8b?api=completions", "llama3:8b", RemoteApi.Completions)]
    public void An_api_suffix_forces_the_endpoint_and_is_not_part_of_the_model_name_or_stand_in(string id, string modelName, RemoteApi? api)
    {
        var parsed = RemoteModelId.Parse(id);

        Assert.Equal(id, parsed.Id);
        Assert.Equal(modelName, parsed.ModelName);
        Assert.Equal(api, parsed.Api);
        Assert.Equal("http://127.0.0.1:8000/v1/chat/completions", parsed.ChatCompletionsEndpoint);
        var expected = "remote:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("http://127.0.0.1:8000/v1#" + modelName)));
        Assert.Equal(expected, parsed.StandInCheckpointHash);
    }

    [Theory]
    [InlineData("openai:http://127.0.0.1:8000/v1#m?api=responses", "'?api=responses'; the API suffix is '?api=chat' or '?api=completions'")]
    [InlineData("openai:http://127.0.0.1:8000/v1#?api=chat", "empty model name")]
    public void Bad_api_suffixes_give_one_line_explanations(string id, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => RemoteModelId.Parse(id));

        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Credentials_in_the_base_url_are_rejected_without_echoing_them()
    {
        var e = Assert.Throws<ArgumentException>(() => RemoteModelId.Parse("openai:http://user:hunter2@127.0.0.1:8000/v1#m"));

        Assert.Contains("credentials", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void Stand_in_checkpoint_hash_is_labelled_sha256_of_base_url_and_model_name()
    {
        var id = RemoteModelId.Parse("openai:http://127.0.0.1:8000/v1/#my-model");
        var expected = "remote:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("http://127.0.0.1:8000/v1#my-model")));

        Assert.Equal(expected, id.StandInCheckpointHash);
        Assert.Matches("^remote:[0-9a-f]{64}$", id.StandInCheckpointHash);
        Assert.NotEqual(expected, RemoteModelId.Parse("openai:http://127.0.0.1:8000/v1#other-model").StandInCheckpointHash);
    }

    [Fact]
    public void Model_catalog_loads_openai_ids_as_remote_models()
    {
        using var model = ModelCatalog.Load("openai:http://127.0.0.1:8000/v1#my-model", ModelOptions.Cpu with { Remote = new RemoteModelOptions { ApiKey = "sk-catalog-secret" } });

        var remote = Assert.IsType<OpenAiCompatibleModel>(model);
        Assert.Equal("openai:http://127.0.0.1:8000/v1#my-model", remote.Identity.ModelId);
        Assert.StartsWith("remote:", remote.Identity.CheckpointHash);
        Assert.DoesNotContain("sk-catalog-secret", remote.Identity.ToString());
    }

    [Fact]
    public void Model_catalog_passes_bad_remote_ids_through_as_clear_errors()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Load("openai:http://127.0.0.1:8000/v1", ModelOptions.Cpu));

        Assert.Contains("'#<model name>'", e.Message);
    }

    [Fact]
    public void Api_key_comes_from_options_then_environment_and_is_never_printed()
    {
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-from-env" };
        string? Lookup(string name) => env.GetValueOrDefault(name);

        Assert.Equal("sk-configured", new RemoteModelOptions { ApiKey = "sk-configured" }.ResolveApiKey(Lookup));
        Assert.Equal("sk-from-env", new RemoteModelOptions().ResolveApiKey(Lookup));
        Assert.Equal("sk-from-env", new RemoteModelOptions { ApiKey = " " }.ResolveApiKey(Lookup));
        Assert.Null(new RemoteModelOptions().ResolveApiKey(_ => null));

        var options = new RemoteModelOptions { ApiKey = "sk-configured" };
        Assert.DoesNotContain("sk-configured", options.ToString());
        Assert.Contains("(set, hidden)", options.ToString());
        Assert.DoesNotContain("sk-configured", (ModelOptions.Cpu with { Remote = options }).ToString());
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(60, -1)]
    public void Out_of_range_options_are_rejected(int timeoutSeconds, int maxRetries)
    {
        var options = new RemoteModelOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds), MaxRetries = maxRetries };

        var e = Assert.Throws<ArgumentException>(() => new OpenAiCompatibleModel("openai:http://127.0.0.1:8000/v1#m", options));
        Assert.StartsWith("Models:Remote:", e.Message);
    }

    [Fact]
    public void Options_bind_from_the_models_remote_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Models:Remote:ApiKey"] = "sk-bound",
            ["Models:Remote:Timeout"] = "00:00:15",
            ["Models:Remote:MaxRetries"] = "2",
        }).Build();

        var options = configuration.GetSection("Models:Remote").Get<RemoteModelOptions>()!;

        Assert.Equal("sk-bound", options.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Timeout);
        Assert.Equal(2, options.MaxRetries);
        Assert.Equal(RemoteModelOptions.Default.RetryBaseDelay, options.RetryBaseDelay);
    }
}
