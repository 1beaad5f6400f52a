global using Calloop.Sources;
