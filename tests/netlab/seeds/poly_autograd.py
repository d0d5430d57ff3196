import torch
import math

dtype = torch.float
device = torch.device("cpu")
# 下面这条注释,可以使用 GPU
# device = torch.device("cuda:0")

# 创建 Tensor
# 默认情况下,requires_grad=False 表示我们不需要计算关于这些 Tensor 的梯度
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# 创建随机权重(weight) Tensor
# 对于一个三阶多项式,我们需要 4 个参数
# 设置 requires_grad=True 表明我们在反向传播的时候想要计算关于这些 Tensor 的梯度
a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

learnign_rate = 1e-6
for t in range(2000):
    # 使用 Tensor 上的运算前向传播计算预测的 y
    y_pred = a + b * c + c * x ** 2 + d * x ** 3
    
    # 使用 Tensor 上的操作计算并打印损失值(loss)
    # 现在,loss 是一个 Tensor,shape 是 (1,)
    # loss.item() 得到 loss 持有的标量值
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
        
    # 使用 autograd 计算反向传播。下面这个调用将会计算 loss 关于所有 requires_grad=True 的 Tensor 的梯度。
    # 在此之后,调用 a.grad, b.grad, c.grad, d.grad 将得到 a, b, c, d 关于 loss 的梯度
    loss.backward()
    
    # 使用梯度下降手动更新权重。使用 torch.no_grad() 包起来。
    # 因为这些权重(weight)都有 requires_grad=True 但是在 autograd 中,我们不需要跟踪这些操作。
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        
        # 更新完参数之后,需要手动地将这些梯度清零
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
