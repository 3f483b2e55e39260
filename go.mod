module github.com/tradeassure/tradeassure

go 1.24

require (
	github.com/google/go-cmp v0.7.0
	github.com/looplab/fsm v1.0.3
	github.com/shopspring/decimal v1.6.0
	github.com/stretchr/testify v1.12.1
	pgregory.net/rapid v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
