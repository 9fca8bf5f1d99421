global using KeyPortal.EndToEnd.Harness;
global using Microsoft.Playwright;
